using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Diffusion.Kit.Grading;

/// <summary>The few POSIX calls the grader's sandbox needs that .NET does not offer.</summary>
public static class Unix
{
    const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;

    [DllImport("libc", EntryPoint = "geteuid")]
    static extern uint GetEffectiveUserId();

    [DllImport("libc", EntryPoint = "_exit")]
    static extern void ExitWithoutCleanUp(int status);

    /// <summary>
    /// Ends the process now with <paramref name="code"/>, running no exit handlers. A cell stuck inside libtorch keeps
    /// its thread running native code, and the runtime's orderly shutdown then crashes (SIGSEGV, exit code 139), so the
    /// code that says "this cell hung" was lost and the student read "ended the process" instead.
    /// </summary>
    public static void ExitAtOnce(int code)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) ExitWithoutCleanUp(code);
        Environment.Exit(code);
    }

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "openat", SetLastError = true)]
    static extern int OpenAt(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int flags);

    [DllImport("libc", EntryPoint = "close")]
    static extern int Close(int fd);

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>Sets a file's or folder's permission bits; Windows has none (and never confines, as it is never root here).</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    public static void ChangeOwner(string path, uint user)
    {
        if (Chown(path, user, user) != 0)
            throw new IOException($"chown {user} {path} failed (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>
    /// Opens <paramref name="relative"/> (names separated by '/') below the trusted folder <paramref name="trusted"/>
    /// without following a link at any step, and without blocking on a FIFO; null when a step is missing, is a link or
    /// is not a plain file. The caller reads what it got, never what a path resolves to later.
    /// </summary>
    public static FileStream? OpenPlainFileNoFollow(string trusted, string relative)
    {
        int dir = Open(trusted, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return null;
        try
        {
            var names = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (names.Length == 0 || names.Any(n => n is "." or "..")) return null;
            foreach (var name in names[..^1])
            {
                int next = OpenAt(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0) return null;
                Close(dir);
                dir = next;
            }
            int fd = OpenAt(dir, names[^1], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) return null;
            var handle = new SafeFileHandle(fd, ownsHandle: true);
            // A FIFO, device or directory opened this way is refused: only a regular file is read.
            if (!IsRegularFile(handle)) { handle.Dispose(); return null; }
            return new FileStream(handle, FileAccess.Read, bufferSize: 1);
        }
        finally { Close(dir); }
    }

    [DllImport("libc", EntryPoint = "fstat", SetLastError = true)]
    static extern int FStat(int fd, byte[] stat);

    /// <summary>True when the descriptor is a regular file (st_mode of x86-64/arm64 Linux's struct stat).</summary>
    static bool IsRegularFile(SafeFileHandle handle)
    {
        var stat = new byte[256];
        if (FStat((int)handle.DangerousGetHandle(), stat) != 0) return false;
        int modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        uint mode = BitConverter.ToUInt32(stat, modeOffset);
        return (mode & 0xF000) == 0x8000;
    }
}
