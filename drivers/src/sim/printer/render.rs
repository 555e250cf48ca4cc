//! Receipt rows → a 1-bit-looking grayscale PNG, 203 dpi like a thermal printer (12x24-dot
//! cells). Glyphs come from DejaVu Sans Mono (assets/fonts, DejaVu/Bitstream Vera licence),
//! rasterised once per character by `fontdue` and magnified by whole dots like the printer.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{CellStyle, Row, RowAlign};

const FONT_BYTES: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSansMono.ttf");
const CELL_W: usize = 12;
const CELL_H: usize = 24;
const BASELINE: i32 = 19;
const MARGIN: usize = 16;

/// Why a preview could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("font: {0}")]
    Font(&'static str),
    #[error("PNG encoding: {0}")]
    Png(#[from] png::EncodingError),
}

fn font() -> Result<&'static fontdue::Font, RenderError> {
    static FONT: OnceLock<Option<fontdue::Font>> = OnceLock::new();
    FONT.get_or_init(|| {
        fontdue::Font::from_bytes(FONT_BYTES, fontdue::FontSettings::default()).ok()
    })
    .as_ref()
    .ok_or(RenderError::Font("DejaVu Sans Mono does not load"))
}

/// A 12x24 cell bitmap per character (true = black).
struct Glyphs {
    font: &'static fontdue::Font,
    cache: HashMap<char, Vec<bool>>,
}

impl Glyphs {
    fn cell(&mut self, c: char) -> &[bool] {
        let font = self.font;
        self.cache.entry(c).or_insert_with(|| {
            let (metrics, coverage) = font.rasterize(c, 20.0);
            let mut cell = vec![false; CELL_W * CELL_H];
            let top = BASELINE - (metrics.ymin + metrics.height as i32);
            for gy in 0..metrics.height {
                for gx in 0..metrics.width {
                    let x = metrics.xmin + gx as i32;
                    let y = top + gy as i32;
                    if (0..CELL_W as i32).contains(&x)
                        && (0..CELL_H as i32).contains(&y)
                        && coverage[gy * metrics.width + gx] > 110
                    {
                        cell[y as usize * CELL_W + x as usize] = true;
                    }
                }
            }
            cell
        })
    }
}

struct Canvas {
    width: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    fn grow(&mut self, rows: usize) -> usize {
        let y = self.pixels.len() / self.width;
        self.pixels
            .resize(self.pixels.len() + rows * self.width, 255);
        y
    }

    fn set(&mut self, x: usize, y: usize) {
        if x < self.width
            && let Some(p) = self.pixels.get_mut(y * self.width + x)
        {
            *p = 0;
        }
    }
}

fn start_x(width: usize, used: usize, align: RowAlign) -> usize {
    let room = width.saturating_sub(used);
    match align {
        RowAlign::Left => 0,
        RowAlign::Center => room / 2,
        RowAlign::Right => room,
    }
}

fn text_row(
    canvas: &mut Canvas,
    glyphs: &mut Glyphs,
    cells: &[(char, CellStyle)],
    align: RowAlign,
) {
    let height = cells
        .iter()
        .map(|(_, s)| usize::from(s.height))
        .max()
        .unwrap_or(1)
        * CELL_H;
    let used: usize = cells
        .iter()
        .map(|(_, s)| usize::from(s.width) * CELL_W)
        .sum();
    let top = canvas.grow(height);
    let mut x0 = start_x(canvas.width, used, align);
    for (c, style) in cells {
        let (w, h) = (
            usize::from(style.width.max(1)),
            usize::from(style.height.max(1)),
        );
        let y0 = top + height - h * CELL_H;
        let cell = glyphs.cell(*c).to_vec();
        for y in 0..CELL_H * h {
            for x in 0..CELL_W * w {
                let on = cell[(y / h) * CELL_W + x / w];
                let underline = style.underline && y / h >= CELL_H - 2;
                if on || underline {
                    canvas.set(x0 + x, y0 + y);
                    if style.bold {
                        canvas.set(x0 + x + 1, y0 + y);
                    }
                }
            }
        }
        x0 += CELL_W * w;
    }
}

/// Renders rows on a canvas `width` dots wide.
pub fn png(rows: &[Row], width: usize) -> Result<Vec<u8>, RenderError> {
    let mut glyphs = Glyphs {
        font: font()?,
        cache: HashMap::new(),
    };
    let mut canvas = Canvas {
        width,
        pixels: Vec::new(),
    };
    canvas.grow(MARGIN);
    for row in rows {
        match row {
            Row::Text { cells, align } => text_row(&mut canvas, &mut glyphs, cells, *align),
            Row::Blank => {
                canvas.grow(CELL_H);
            }
            Row::Bars {
                modules,
                module,
                height,
                hri,
                align,
            } => {
                let m = usize::from((*module).max(1));
                let x0 = start_x(width, modules.len() * m, *align);
                let top = canvas.grow(usize::from(*height));
                for (i, bar) in modules.iter().enumerate() {
                    if *bar == 1 {
                        for y in 0..usize::from(*height) {
                            for dx in 0..m {
                                canvas.set(x0 + i * m + dx, top + y);
                            }
                        }
                    }
                }
                if let Some(text) = hri {
                    let cells: Vec<(char, CellStyle)> =
                        text.chars().map(|c| (c, CellStyle::default())).collect();
                    text_row(&mut canvas, &mut glyphs, &cells, RowAlign::Center);
                }
            }
            Row::Qr {
                width: n,
                dark,
                module,
                align,
                ..
            } => {
                let m = usize::from((*module).max(1));
                let quiet = 4 * m;
                let side = n * m;
                let x0 = start_x(width, side, *align);
                let top = canvas.grow(side + 2 * quiet) + quiet;
                for (i, on) in dark.iter().enumerate() {
                    if *on {
                        let (mx, my) = (i % n, i / n);
                        for dy in 0..m {
                            for dx in 0..m {
                                canvas.set(x0 + mx * m + dx, top + my * m + dy);
                            }
                        }
                    }
                }
            }
            Row::Image {
                width_bytes,
                height,
                data,
                align,
            } => {
                let w = usize::from(*width_bytes) * 8;
                let x0 = start_x(width, w, *align);
                let top = canvas.grow(usize::from(*height));
                for (i, byte) in data.iter().enumerate() {
                    for bit in 0..8 {
                        if byte & (0x80 >> bit) != 0 {
                            let x = (i % usize::from(*width_bytes)) * 8 + bit;
                            canvas.set(x0 + x, top + i / usize::from(*width_bytes));
                        }
                    }
                }
            }
        }
    }
    canvas.grow(MARGIN);
    let height = canvas.pixels.len() / width.max(1);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&canvas.pixels)?;
    }
    Ok(out)
}
