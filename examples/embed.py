#!/usr/bin/env python3
"""Pooling proportions from counts in memory through libmscmeta, with ctypes.

The same as embed.c, from the Python standard library alone: the counts of
metafor's data set dat.pritz1997 (14 studies) pooled with the library's
defaults (logit, REML, z test); the result comes back as the JSON report,
which metafor gives as 0.7575 [0.6605, 0.8337].

Usage: embed.py [PATH/libmscmeta.so.X]
The library is the argument, else $MSCMETA_LIB, else "libmscmeta.so" found
by the dynamic loader (LD_LIBRARY_PATH, ldconfig).
"""
import ctypes
import json
import os
import sys

STUDY = ["Giannotta et al.", "Haraguchi and Ebina", "Swift and Solomon", "Kassell et al.",
         "Tanabe et al.", "Awad et al.", "Finn et al.", "Hadeishi et al.", "Otsubo et al.",
         "Muizelaar and Becker", "Rosenstein et al.", "Levy et al.", "Shimoda et al.",
         "Solomon et al."]
EVENTS = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
N = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]

MSC_OK = 0
MSC_ERRBUF = 1024  # size of the error buffers (mscmeta/core.h)

# msc_settings and msc_report_options are plain structs that the caller
# allocates. This script never looks inside them: it gives the library a
# zeroed block larger than either (they hold a few ints, doubles and
# pointers), which msc_settings_default fills in; for the report options,
# all zeros mean a full report with no safety section. Data sets and
# analyses are opaque pointers that the library allocates and frees.
STRUCT_BLOCK = ctypes.c_double * 64  # 512 bytes, aligned for doubles and pointers


def load(path):
    """Opens the library and declares the functions this script calls."""
    lib = ctypes.CDLL(path)
    P, ERR, SIZE = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t
    lib.msc_init.restype = ctypes.c_int
    lib.msc_version.restype = ctypes.c_char_p
    lib.msc_strerror.argtypes = [ctypes.c_int]
    lib.msc_strerror.restype = ctypes.c_char_p
    lib.msc_dataset_from_counts.argtypes = [
        ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_double),
        ctypes.POINTER(ctypes.c_double), SIZE, ctypes.c_char_p, ctypes.POINTER(P), ERR, SIZE]
    lib.msc_dataset_from_counts.restype = ctypes.c_int
    lib.msc_settings_default.argtypes = [P]
    lib.msc_settings_default.restype = None
    lib.msc_analysis_run.argtypes = [P, P, ctypes.c_uint, ctypes.POINTER(P), ERR, SIZE]
    lib.msc_analysis_run.restype = ctypes.c_int
    lib.msc_report_string.argtypes = [P, P, P, ctypes.POINTER(P), ctypes.POINTER(SIZE)]
    lib.msc_report_string.restype = ctypes.c_int
    for name in ("msc_dataset_free", "msc_analysis_free", "msc_free"):
        getattr(lib, name).argtypes = [P]
        getattr(lib, name).restype = None
    return lib


def pool(lib, labels, events, n):
    """Pools the counts; returns the JSON report as a dict."""
    k = len(events)
    err = ctypes.create_string_buffer(MSC_ERRBUF)

    def check(status):
        if status != MSC_OK:
            raise RuntimeError("%s: %s" % (lib.msc_strerror(status).decode(),
                                           err.value.decode(errors="replace")))

    data, fit, text = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    try:
        # A data set of one outcome ("events"); the library copies the counts.
        check(lib.msc_dataset_from_counts(
            (ctypes.c_char_p * k)(*(s.encode() for s in labels)),
            (ctypes.c_double * k)(*events), (ctypes.c_double * k)(*n), k, None,
            ctypes.byref(data), err, len(err)))
        settings = STRUCT_BLOCK()
        lib.msc_settings_default(settings)
        check(lib.msc_analysis_run(data, settings, 0, ctypes.byref(fit), err, len(err)))
        # The JSON report (the same as `mscmeta pool --format json`) into a
        # string the library allocates; msc_free releases it.
        writer = ctypes.cast(lib.msc_report_json, ctypes.c_void_p)
        check(lib.msc_report_string(writer, fit, STRUCT_BLOCK(), ctypes.byref(text), None))
        return json.loads(ctypes.string_at(text).decode())
    finally:
        lib.msc_free(text)          # each accepts NULL
        lib.msc_analysis_free(fit)  # before the data set it points into
        lib.msc_dataset_free(data)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MSCMETA_LIB", "libmscmeta.so")
    lib = load(path)
    lib.msc_init()  # once: GSL returns errors instead of aborting Python
    report = pool(lib, STUDY, EVENTS, N)
    settings, outcome = report["settings"], report["outcomes"][0]
    pooled = outcome["random"] or outcome["common"]  # random is null with FE
    print("mscmeta %s: %d studies, %s, %s" % (lib.msc_version().decode(), outcome["k"],
                                            settings["measure"], settings["method"]))
    print("pooled proportion: %.9f (%g%% CI %.9f to %.9f)" % (
        pooled["estimate"], 100 * settings["level"], pooled["ci_lower"], pooled["ci_upper"]))


if __name__ == "__main__":
    main()
