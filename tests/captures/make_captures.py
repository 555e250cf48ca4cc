#!/usr/bin/env python3
"""Writes the synthetic USB fixtures used by tests/tests/periph_usb.rs.

For each device: a umockdev device description (<name>.umockdev: sysfs attributes, udev
properties, descriptors) and a usbmon capture in pcap format (<name>.pcap, LINKTYPE 220
USB_LINUX_MMAPPED) that umockdev-run replays to libusb. The traffic is what the real device
does for the test's exchange, built from the published formats (not recorded on hardware):
  printer  Epson TM (04b8:0202), printer class 7/1/2, bulk OUT 0x01 / IN 0x82; ESC/POS
           bytes our encoder must produce (OUT data is compared byte for byte on replay)
           and DLE EOT replies (Epson ESC/POS reference, dle_eot).
  scanner  Honeywell Vuquest (0c2e:0b61) in keyboard mode, boot keyboard interface, interrupt
           IN 0x81, 8-byte reports (HID 1.11 appendix B) typing 4006381333931 + Enter.
  msr      MagTek Mini Swipe Reader HID (0801:0002), vendor page 0xFF00, 337-byte reports
           (MagTek P/N D99875191): one good swipe, one with a bad track 2 LRC.
  hidpos   HID POS scanner (0c2e:0b61 in HID POS mode), 64-byte scanned-data reports (report id 2).
Run: python3 tests/captures/make_captures.py   (rewrites the files next to this script)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
BUS = 1


class Pcap:
    def __init__(self, devnum):
        self.devnum = devnum
        self.packets = []
        self.urb = 0x1000
        self.t = 0

    def _packet(self, urb, kind, xfer, ep, status, urb_len, data, flag_data):
        self.t += 1000
        header = struct.pack(
            "<QBBBBHbbqiiII8siiII",
            urb, ord(kind), xfer, ep, self.devnum, BUS, ord("-"), flag_data,
            self.t // 1_000_000, self.t % 1_000_000, status, urb_len, len(data), b"\0" * 8, 0, 0, 0, 0,
        )
        body = header + data
        self.packets.append(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(body), len(body)) + body)

    def out(self, xfer, ep, data):
        self.urb += 1
        self._packet(self.urb, "S", xfer, ep, -115, len(data), data, 0)
        self._packet(self.urb, "C", xfer, ep, 0, len(data), b"", ord(">"))

    def inp(self, xfer, ep, requested, data):
        self.urb += 1
        self._packet(self.urb, "S", xfer, ep | 0x80, -115, requested, b"", ord("<"))
        self._packet(self.urb, "C", xfer, ep | 0x80, 0, len(data), data, 0)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 220))
            for p in self.packets:
                f.write(p)


def description(port, devnum, vid, pid, descriptors, manufacturer, product, serial):
    hexd = descriptors.hex().upper()
    return f"""P: /devices/pci0000:00/0000:00:14.0/usb1/1-{port}
N: bus/usb/{BUS:03d}/{devnum:03d}={hexd}
E: DEVNAME=/dev/bus/usb/{BUS:03d}/{devnum:03d}
E: DEVTYPE=usb_device
E: DRIVER=usb
E: PRODUCT={vid:x}/{pid:x}/100
E: TYPE=0/0/0
E: BUSNUM={BUS:03d}
E: DEVNUM={devnum:03d}
E: MAJOR=189
E: MINOR={devnum - 1}
E: SUBSYSTEM=usb
E: ID_VENDOR_ID={vid:04x}
E: ID_MODEL_ID={pid:04x}
E: ID_SERIAL_SHORT={serial}
A: idVendor={vid:04x}
A: idProduct={pid:04x}
A: busnum={BUS}
A: devnum={devnum}
A: bConfigurationValue=1
A: bNumInterfaces= 1
A: speed=12
A: manufacturer={manufacturer}
A: product={product}
A: serial={serial}
A: dev=189:{devnum - 1}
H: descriptors={hexd}

"""


def device_descriptor(vid, pid, max_packet):
    return struct.pack("<BBHBBBBHHHBBBB", 18, 1, 0x0200, 0, 0, 0, max_packet, vid, pid, 0x0100, 1, 2, 3, 1)


def hid_config(subclass, protocol, report_len, packet):
    interface = bytes([9, 4, 0, 0, 1, 3, subclass, protocol, 0])
    hid = bytes([9, 0x21, 0x11, 0x01, 0, 1, 0x22]) + struct.pack("<H", report_len)
    endpoint = bytes([7, 5, 0x81, 3]) + struct.pack("<H", packet) + bytes([1])
    body = interface + hid + endpoint
    return bytes([9, 2]) + struct.pack("<H", 9 + len(body)) + bytes([1, 1, 0, 0x80, 50]) + body


# --- printer -------------------------------------------------------------------------------
ESC, GS = 0x1B, 0x1D


def text_line(text):
    style = bytes([ESC, ord("a"), 0, ESC, ord("E"), 0, ESC, ord("-"), 0, GS, ord("!"), 0])
    return style + text.encode("ascii") + b"\n" + style


def printer():
    vid, pid, devnum = 0x04B8, 0x0202, 4
    interface = bytes([9, 4, 0, 0, 2, 7, 1, 2, 0])
    ep_out = bytes([7, 5, 0x01, 2, 64, 0, 0])
    ep_in = bytes([7, 5, 0x82, 2, 64, 0, 0])
    body = interface + ep_out + ep_in
    config = bytes([9, 2]) + struct.pack("<H", 9 + len(body)) + bytes([1, 1, 0, 0xC0, 0]) + body
    desc = device_descriptor(vid, pid, 64) + config
    cap = Pcap(devnum)

    def status(replies):
        for n, reply in zip((1, 2, 4), replies):
            cap.out(3, 0x01, bytes([0x10, 0x04, n]))
            cap.inp(3, 0x02, 64, bytes([reply]))

    # Poll 1: paper near end (DLE EOT 4 = 0x1e), printing goes on.
    status([0x12, 0x12, 0x1E])
    for segment in (bytes([ESC, ord("@"), ESC, ord("t"), 19]), text_line("USB printer OK"), bytes([GS, ord("V"), 66, 0])):
        cap.out(3, 0x01, segment)
    status([0x12, 0x12, 0x1E])
    cap.write(os.path.join(HERE, "printer.pcap"))
    with open(os.path.join(HERE, "printer.umockdev"), "w") as f:
        f.write(description(4, devnum, vid, pid, desc, "EPSON", "TM-T88V", "X5Z0012345"))


# --- keyboard-mode scanner -----------------------------------------------------------------
def scanner():
    vid, pid, devnum = 0x0C2E, 0x0B61, 2
    desc = device_descriptor(vid, pid, 8) + hid_config(1, 1, 63, 8)
    cap = Pcap(devnum)
    usage = {str(d): 0x1E + d - 1 for d in range(1, 10)}
    usage["0"] = 0x27
    for c in "4006381333931":
        cap.inp(1, 0x01, 8, bytes([0, 0, usage[c], 0, 0, 0, 0, 0]))
        cap.inp(1, 0x01, 8, bytes(8))
    cap.inp(1, 0x01, 8, bytes([0, 0, 0x28, 0, 0, 0, 0, 0]))
    cap.inp(1, 0x01, 8, bytes(8))
    cap.write(os.path.join(HERE, "scanner.pcap"))
    with open(os.path.join(HERE, "scanner.umockdev"), "w") as f:
        f.write(description(1, devnum, vid, pid, desc, "Honeywell", "Vuquest 3310g", "17110B4F4C"))


# --- HID POS scanner -----------------------------------------------------------------------
def hidpos():
    vid, pid, devnum = 0x0C2E, 0x0B61, 5
    desc = device_descriptor(vid, pid, 64) + hid_config(0, 0, 64, 64)
    cap = Pcap(devnum)
    data = b"0109501101020917" + b"3103001250"
    report = bytes([2, len(data)]) + b"]C1" + data
    report += bytes(64 - len(report))
    cap.inp(1, 0x01, 64, report)
    cap.write(os.path.join(HERE, "hidpos.pcap"))
    with open(os.path.join(HERE, "hidpos.umockdev"), "w") as f:
        f.write(description(5, devnum, vid, pid, desc, "Honeywell", "Vuquest 3310g HID POS", "17110B4F4D"))


# --- MagTek swipe reader -------------------------------------------------------------------
def lrc(track, low, mask):
    x = 0
    for ch in track.encode("ascii"):
        x ^= (ch - low) & mask
    return chr(x + low)


def swipe_report(t1, t2, t3=""):
    report = bytearray(337)
    for i, t in enumerate((t1, t2, t3)):
        b = t.encode("ascii")
        report[3 + i] = len(b)
        report[7 + i * 110: 7 + i * 110 + len(b)] = b
    return bytes(report)


def msr():
    vid, pid, devnum = 0x0801, 0x0002, 3
    desc = device_descriptor(vid, pid, 8) + hid_config(0, 0, 61, 64)
    cap = Pcap(devnum)
    # Visa test PAN 4111 1111 1111 1111 (a public test number, never a real card).
    t1 = "%B4111111111111111^TEST/CARD^30121010000000000000?"
    t2 = ";4111111111111111=30121010000000000?"
    cap.inp(1, 0x01, 337, swipe_report(t1, t2))
    good = lrc(t2, 0x30, 0x0F)
    wrong = "1" if good == "0" else "0"
    cap.inp(1, 0x01, 337, swipe_report("", t2 + wrong))
    cap.write(os.path.join(HERE, "msr.pcap"))
    with open(os.path.join(HERE, "msr.umockdev"), "w") as f:
        f.write(description(2, devnum, vid, pid, desc, "Mag-Tek", "USB Swipe Reader", "B0E4B27"))


if __name__ == "__main__":
    printer()
    scanner()
    hidpos()
    msr()
