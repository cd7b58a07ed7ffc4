#!/usr/bin/env python3
"""Compiles (-fsyntax-only) every translation unit of a configured micon tree against another
LibTorch's headers: the driver of tests/gpu/libtorch2_check.sh.

    syntax_check.py BUILD_DIR TORCH_PREFIX CUDA_INCLUDE WORK_DIR

BUILD_DIR holds compile_commands.json of a tree configured with -DMICON_CUDA_SYNTAX_CHECK=ON (the
CUDA configuration, over Debian 12's CPU LibTorch). Each command keeps its flags; LibTorch's include
directories become TORCH_PREFIX's (an unpacked libtorch-cuda-dev: TORCH_PREFIX/usr/include first,
before the compiler's /usr/include, which holds LibTorch 1.13), CUDA_INCLUDE comes next, and the
shared precompiled LibTorch header is rebuilt from TORCH_PREFIX's headers in WORK_DIR. Every unit
also lists the headers it read, and a unit that read a header of the host's LibTorch
(/usr/include/{ATen,c10,torch,caffe2}) fails: it would not have been checked against the other
version. Prints each failure's compiler output; exits 1 if any unit failed.
"""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys
import time

HOST_TORCH = re.compile(r"(^|\s)/usr/include/(ATen|c10|torch|caffe2)/\S+")


def main():
    build, prefix, cuda_include, work = (os.path.abspath(a) for a in sys.argv[1:5])
    os.makedirs(work, exist_ok=True)
    entries = json.load(open(os.path.join(build, "compile_commands.json")))
    pch_entry = next((e for e in entries if e["file"].endswith("cmake_pch.hxx.cxx")), None)
    units = [e for e in entries if e is not pch_entry]
    torch_include = os.path.join(prefix, "usr/include")
    pch_header = None
    if pch_entry:
        pch_dir = os.path.join(work, "pch")
        os.makedirs(pch_dir, exist_ok=True)
        pch_header = os.path.join(pch_dir, "cmake_pch.hxx")
        with open(pch_header, "w") as out:
            out.write(open(pch_entry["file"].removesuffix(".cxx")).read())

    def rewrite(entry, output):
        args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
        out = [args[0], "-isystem", torch_include, "-isystem", cuda_include]
        i = 1
        while i < len(args):
            a = args[i]
            if a == "-o" or a == "-MF" or a == "-MT" or a == "-MQ":
                i += 2
                continue
            if a in ("-c", "-MD", "-MMD"):
                i += 1
                continue
            if a == "-isystem" and args[i + 1].startswith("/usr/include/torch"):
                out += ["-isystem", torch_include + args[i + 1][len("/usr/include"):]]
                i += 2
                continue
            if a == "-include" and args[i + 1].endswith("cmake_pch.hxx") and pch_header:
                out += ["-include", pch_header]
                i += 2
                continue
            if a == entry["file"]:
                i += 1
                continue
            out.append(a)
            i += 1
        return out + output + [entry["file"]]

    def run(entry, output, name):
        deps = os.path.join(work, "deps", name + ".d")
        os.makedirs(os.path.dirname(deps), exist_ok=True)
        cmd = rewrite(entry, output) + ["-MD", "-MF", deps, "-MT", name]
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=entry["directory"], capture_output=True, text=True)
        log = proc.stdout + proc.stderr
        ok = proc.returncode == 0
        if ok and os.path.exists(deps):
            host = sorted({m.group(0).strip() for m in HOST_TORCH.finditer(open(deps).read())})
            if host:
                ok = False
                log += "read the host's LibTorch headers instead of the checked ones:\n  " + \
                    "\n  ".join(host[:10]) + "\n"
        return ok, log, time.monotonic() - start

    failures = []
    started = time.monotonic()
    if pch_entry:
        ok, log, seconds = run(pch_entry, ["-x", "c++-header", "-o", pch_header + ".gch"], "pch")
        print(f"precompiled header from the checked headers: {'ok' if ok else 'FAILED'} "
              f"({seconds:.0f} s)", flush=True)
        if not ok:
            print(log)
            return 1

    def name_of(entry):
        return os.path.relpath(entry["file"], build if entry["file"].startswith(build) else
                               os.path.dirname(build)).replace("/", "_")

    warnings = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {pool.submit(run, e, ["-fsyntax-only"], name_of(e)): e for e in units}
        for future in concurrent.futures.as_completed(futures):
            entry = futures[future]
            ok, log, seconds = future.result()
            warnings += log.count("warning:")
            if not ok:
                failures.append(entry["file"])
                print(f"FAILED {entry['file']} ({seconds:.0f} s)\n{log}", flush=True)
            elif "warning:" in log:
                print(f"warnings in {entry['file']}:\n{log}", flush=True)
    print(f"{len(units) - len(failures)} of {len(units)} translation units compile against "
          f"{torch_include} ({warnings} warnings, {time.monotonic() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
