#!/usr/bin/env python3
"""Change-to-reconfigure latency: from the write of a file to the start of the
package's reconfigure hook (the hook's first command stamps the time).

usage: reconfigure-latency.py ROOST WORKDIR [RUNS]

`roost start`: an edit of user.toml. `roost dev`: an edit of the package's
default.toml. Prints the median and the worst of RUNS edits for each.
"""
import os, statistics, subprocess, sys, time

roost, work = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20


def package(name):
    root = os.path.join(work, name)
    os.makedirs(os.path.join(root, "hooks"), exist_ok=True)
    os.makedirs(os.path.join(root, "config"), exist_ok=True)
    with open(os.path.join(root, "plan.sh"), "w") as f:
        # nobody: a service user that exists everywhere (roost runs as root).
        f.write(f"pkg_name={name}\npkg_origin=bench\npkg_version=1.0.0\npkg_svc_user=nobody\npkg_svc_group=nogroup\n")
    with open(os.path.join(root, "default.toml"), "w") as f:
        f.write("n = 0\n")
    with open(os.path.join(root, "config", "app.conf"), "w") as f:
        f.write("n={{cfg.n}}\n")
    stamps = os.path.join(work, "stamps")
    os.makedirs(stamps, exist_ok=True)
    os.chmod(stamps, 0o1777)   # the hook runs as the service user
    hooks = {
        "run": "#!/bin/sh\nexec sleep 300\n",
        # `date +%s%N` first: the stamp is the hook's start, not its end.
        "reconfigure": f"#!/bin/sh\ndate +%s%N > {stamps}/{name}.tmp && mv {stamps}/{name}.tmp {stamps}/{name}\n",
    }
    for hook, text in hooks.items():
        path = os.path.join(root, "hooks", hook)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
    return root


def measure(mode):
    name = f"lat{mode}"
    root = package(name)
    stamp = os.path.join(work, "stamps", name)
    if mode == "start":
        edited = os.path.join(work, "user", name, "config", "user.toml")
        os.makedirs(os.path.dirname(edited), exist_ok=True)
        cmd = [roost, "start", root, "--svc-root", f"{work}/svc-{name}", "--user-root", f"{work}/user"]
    else:
        edited = os.path.join(root, "default.toml")
        cmd = [roost, "dev", root, "--root", f"{work}/dev-{name}"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    try:
        time.sleep(1.0)   # the service is up
        samples = []
        for i in range(1, runs + 1):
            if os.path.exists(stamp):
                os.unlink(stamp)
            t0 = time.time_ns()
            with open(edited, "w") as f:
                f.write(f"n = {i}\n")
            deadline = time.time() + 10
            while not os.path.exists(stamp) and time.time() < deadline:
                time.sleep(0.0005)
            if not os.path.exists(stamp):
                print(f"roost {mode}: no reconfigure within 10 s")
                return
            samples.append((int(open(stamp).read()) - t0) / 1e6)
            time.sleep(0.2)
        print(f"roost {mode:5s} median {statistics.median(samples):7.1f} ms   worst {max(samples):7.1f} ms   ({runs} edits)")
    finally:
        p.terminate()
        p.wait()


for mode in ("start", "dev"):
    measure(mode)
