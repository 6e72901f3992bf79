using System.Runtime.InteropServices;

namespace Diffusion.Kit.Grading;

/// <summary>The few POSIX calls the grader's sandbox needs that .NET does not offer.</summary>
static class Unix
{
    [DllImport("libc", EntryPoint = "geteuid")]
    static extern uint GetEffectiveUserId();

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>A hard link (same file, no copy); false when the file system refuses (another device).</summary>
    public static bool TryHardLink(string existing, string created) => Link(existing, created) == 0;

    public static void ChangeOwner(string path, uint user)
    {
        if (Chown(path, user, user) != 0)
            throw new IOException($"chown {user} {path} failed (errno {Marshal.GetLastPInvokeError()}).");
    }
}
