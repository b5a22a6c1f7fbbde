#!/usr/bin/python3
"""Independent colour references for the imaging tests: Pillow's ImageCms (lcms) and Pillow's own CMYK reading.

    colour_reference.py display-p3 OUT.icc [GAMMA]    write a Display P3 profile (P3 primaries, D65, the sRGB curve or a pure gamma) with lcms
    colour_reference.py into SRC.png PROFILE OUT.png  convert an sRGB PNG into PROFILE's space (perceptual), PROFILE embedded
    colour_reference.py gray IMAGE OUT.pgm            the gray a colour-managed viewer shows: the embedded profile (if any)
                                                      to sRGB (perceptual), then ITU-R 601 luma; CMYK without a profile
                                                      by Pillow's conversion (R = (1 - C)(1 - K), as browsers do)
    colour_reference.py stored-luma IMAGE OUT.pgm     ITU-R 601 luma of the stored values, no colour management
    colour_reference.py save IMAGE OUT.EXT            Pillow's encoder for EXT (webp: lossless), the ICC profile kept
"""
import ctypes
import io
import sys

from PIL import Image, ImageCms


def display_p3(out, gamma=None):
    lcms = ctypes.CDLL("liblcms2.so.2")

    class XyY(ctypes.Structure):
        _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double), ("Y", ctypes.c_double)]

    class Triple(ctypes.Structure):
        _fields_ = [("red", XyY), ("green", XyY), ("blue", XyY)]

    lcms.cmsBuildParametricToneCurve.restype = ctypes.c_void_p
    lcms.cmsCreateRGBProfile.restype = ctypes.c_void_p
    lcms.cmsCreateRGBProfile.argtypes = [ctypes.POINTER(XyY), ctypes.POINTER(Triple), ctypes.c_void_p * 3]
    lcms.cmsSaveProfileToFile.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lcms.cmsWriteTag.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p]
    lcms.cmsMLUalloc.restype = ctypes.c_void_p
    lcms.cmsMLUsetASCII.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    if gamma is None:
        curve = lcms.cmsBuildParametricToneCurve(None, 4, (ctypes.c_double * 5)(2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
    else:
        curve = lcms.cmsBuildParametricToneCurve(None, 1, (ctypes.c_double * 1)(float(gamma)))
    white = XyY(0.3127, 0.3290, 1.0)
    primaries = Triple(XyY(0.680, 0.320, 1.0), XyY(0.265, 0.690, 1.0), XyY(0.150, 0.060, 1.0))
    curves = (ctypes.c_void_p * 3)(curve, curve, curve)
    profile = lcms.cmsCreateRGBProfile(ctypes.byref(white), ctypes.byref(primaries), curves)
    description = lcms.cmsMLUalloc(None, 1)
    lcms.cmsMLUsetASCII(ctypes.c_void_p(description), b"en", b"US", b"Display P3 (test)")
    lcms.cmsWriteTag(ctypes.c_void_p(profile), 0x64657363, ctypes.c_void_p(description))  # 'desc'
    if not lcms.cmsSaveProfileToFile(ctypes.c_void_p(profile), out.encode()):
        sys.exit("could not save the profile")


def into(source, profile, out):
    image = Image.open(source).convert("RGB")
    target = ImageCms.getOpenProfile(profile)
    converted = ImageCms.profileToProfile(image, ImageCms.createProfile("sRGB"), target, renderingIntent=0, outputMode="RGB")
    converted.save(out, icc_profile=target.tobytes())


def gray(path, out):
    image = Image.open(path)
    icc = image.info.get("icc_profile")
    if image.mode == "CMYK":
        if icc:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                                              renderingIntent=0, outputMode="RGB")
        else:
            image = image.convert("RGB")
    else:
        image = image.convert("RGBA" if "A" in image.mode else "RGB").convert("RGB")
        if icc:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                                              renderingIntent=0, outputMode="RGB")
    image.convert("L").save(out)


def save(path, out):
    image = Image.open(path)
    image.save(out, icc_profile=image.info.get("icc_profile"), lossless=True)


def stored_luma(path, out):
    Image.open(path).convert("RGB").convert("L").save(out)


def main():
    command, arguments = sys.argv[1], sys.argv[2:]
    {"display-p3": display_p3, "into": into, "gray": gray, "stored-luma": stored_luma, "save": save}[command](*arguments)


if __name__ == "__main__":
    main()
