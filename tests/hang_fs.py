"""A FUSE filesystem whose file reads never return: a stand-in for a hung
NFS or FUSE server, for tests/tests/faults.rs. Usage: hang_fs.py MOUNTPOINT"""
import errno, stat, sys, time
from fuse import FUSE, FuseOSError, Operations

class Hang(Operations):
    def getattr(self, path, fh=None):
        if path == "/":
            return {"st_mode": stat.S_IFDIR | 0o755, "st_nlink": 2}
        if path == "/Packages":
            return {"st_mode": stat.S_IFREG | 0o644, "st_nlink": 1, "st_size": 1 << 20}
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        time.sleep(3600)
        return [".", "..", "Packages"]

    def read(self, path, size, offset, fh):
        time.sleep(3600)
        return b""

if __name__ == "__main__":
    FUSE(Hang(), sys.argv[1], foreground=True, allow_other=False, nothreads=False)
