"""P3 test videos, written with the project's own writer (python/tests/videos.py, PyAV, no ffmpeg).

    python make_videos.py OUT_DIR

Writes, unless already there (they are cached between runs):

* ``flat-60s-640x360-30fps.mp4``: 60 s, 640x360, 30 fps, H.264 (libx264, yuv420p); each frame a
  flat grey (videos.write_video's default content). Cheap to decode, so per-frame overheads
  show.
* ``noise-10s-640x360-30fps.mp4``: 10 s of random noise at the same size and rate. Expensive to
  decode (about 23 Mbit/s), so decoding dominates. Shorter only because encoding noise
  is slow (about 80 s per minute of video here).

Prints the paths, one per line.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import videos  # noqa: E402  (python/tests/videos.py)

FILES = {
    "flat-60s-640x360-30fps.mp4": dict(width=640, height=360, fps=30, frames=60 * 30),
    "noise-10s-640x360-30fps.mp4": dict(width=640, height=360, fps=30, frames=10 * 30, noise=True),
}


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, spec in FILES.items():
        path = os.path.join(out_dir, name)
        if not os.path.exists(path):
            partial = path + ".partial.mp4"
            videos.write_video(partial, ext="mp4", **spec)
            os.replace(partial, path)
        print(path)


if __name__ == "__main__":
    main(sys.argv[1])
