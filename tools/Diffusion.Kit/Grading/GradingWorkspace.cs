using System.Diagnostics;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>
/// Where submissions run: one root-only temporary folder per `grade` run, and in it a fresh folder per attempt.
///
/// Run as root (a grading server, a container, CI), every attempt is confined (<see cref="StartInfo"/>):
/// <list type="bullet">
/// <item>a new mount namespace whose root is an empty tmpfs holding only the system's programs and libraries
/// (/usr, /lib, a few /etc files, read-only), the kit's binaries, library and data (read-only, at /kit), the
/// submission's notebook folder, an output folder and a home (its own, writable), and private /tmp, /var/tmp and /dev/shm:
/// never the kit's sources, notebooks or .git, the key, other submissions or the grades;</item>
/// <item>a new PID namespace: every process the attempt starts dies with it; a private network (none), IPC and host name;</item>
/// <item>its own user id from a block claimed for this run (<see cref="UserIds"/>), limits on processes and file size, and
/// a cgroup with memory and process limits where the machine delegates those controllers.</item>
/// </list>
/// Run as another user, attempts run as that user with the same time and memory limits but without these walls;
/// the summary says so.
/// </summary>
public sealed class GradingWorkspace : IDisposable
{
    /// <summary>Where the kit sits inside a confined sandbox.</summary>
    public const string SandboxKit = "/kit";
    /// <summary>
    /// Folders of data/ no submission needs: runs still training, and the main job's cached figures (a submission draws
    /// its own). Covered in the sandbox and left out of the autograder package.
    /// </summary>
    public static readonly IReadOnlyList<string> DataNotForSubmissions = ["figures", "sittings"];
    const string SandboxHome = "/home/student";
    int _nextSandbox;
    readonly UserIds? _users;

    GradingWorkspace(string root, UserIds? users, string kitBin, string library, string data, IReadOnlyList<string> hidden)
    {
        Root = root; _users = users; KitBin = kitBin; Library = library; Data = data; Hidden = hidden;
    }

    public string Root { get; }
    /// <summary>True when attempts run in the sandbox under their own user id.</summary>
    public bool Confined => _users is not null;
    public string KitBin { get; }
    public string Library { get; }
    public string Data { get; }
    /// <summary>Folders that would be visible through a system folder the sandbox shows: covered with an empty tmpfs.</summary>
    public IReadOnlyList<string> Hidden { get; }

    public string Containment => Confined
        ? "confined: each attempt ran in its own sandbox (a root of its own holding the library, the data and its notebook only; its own processes, user id, /tmp and no network)"
        : "NOT confined (the grader was not run as root): attempts ran as the grading user, limited in time and memory only";

    /// <param name="hide">Folders no submission may see (the kit, key, submissions, grades).</param>
    public static GradingWorkspace Create(string kitRoot, IEnumerable<string> hide, Action<string> log)
    {
        bool confined = Unix.IsRoot && CanConfine(log);
        var root = Directory.CreateTempSubdirectory("diffusion-grade-").FullName;
        Unix.SetMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var kitBin = Path.GetDirectoryName(typeof(GradingWorkspace).Assembly.Location)!;
        var library = Path.Combine(kitRoot, "artifacts", "lib");
        var data = Path.Combine(kitRoot, "data");
        foreach (var needed in new[] { kitBin, library, data })
            if (!Directory.Exists(needed)) throw new DirectoryNotFoundException($"The grader needs {needed}; build the kit first (`dotnet build`).");
        var visible = SystemFolders.Where(Directory.Exists).ToList();
        var hidden = hide.Append(kitRoot).Append(root).Select(Path.GetFullPath).Distinct()
            .Where(h => Directory.Exists(h) && visible.Any(v => IsInside(h, v)))
            .ToList();
        return new GradingWorkspace(root, confined ? UserIds.Claim() : null, kitBin, library, data, hidden);
    }

    /// <summary>System folders a confined sandbox shows read-only (links among them, as on merged-/usr systems, are kept as links).</summary>
    static readonly string[] SystemFolders = ["/usr", "/lib", "/lib64", "/bin", "/sbin"];
    /// <summary>The /etc files programs need to start (the dynamic linker's cache, name lookup, time zone).</summary>
    static readonly string[] EtcFiles = ["ld.so.cache", "ld.so.conf", "nsswitch.conf", "localtime", "hosts"];

    /// <summary>A fresh folder for one attempt: notebooks/ (the submission), out/ (what comes back) and home/, owned by the attempt's user.</summary>
    public Sandbox NewSandbox()
    {
        int id = Interlocked.Increment(ref _nextSandbox);
        var folder = Path.Combine(Root, $"s{id:D4}");
        Directory.CreateDirectory(folder);
        foreach (var sub in new[] { "notebooks", "out", "home", "root" }) Directory.CreateDirectory(Path.Combine(folder, sub));
        uint user = _users?.Next() ?? 0;
        if (Confined)
        {
            Unix.SetMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
            foreach (var sub in new[] { "notebooks", "out", "home" })
            {
                Unix.ChangeOwner(Path.Combine(folder, sub), user);
                Unix.SetMode(Path.Combine(folder, sub), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        else
        {
            // Unconfined, the child sees the real kit: the attempt's folder is its kit root, so its outputs stay there.
            Directory.CreateDirectory(Path.Combine(folder, "artifacts"));
            File.WriteAllText(Path.Combine(folder, "Diffusion.Lib.csproj"), "<!-- marks the kit's root for KitPaths -->\n");
            Directory.CreateSymbolicLink(Path.Combine(folder, "artifacts", "lib"), Library);
            Directory.CreateSymbolicLink(Path.Combine(folder, "data"), Data);
        }
        return new Sandbox(folder, user, Confined);
    }

    /// <summary>A command line that runs `dotnet Diffusion.Kit.dll ARGS` in the sandbox; paths in ARGS are as the child sees them.</summary>
    public ProcessStartInfo StartInfo(Sandbox sandbox, IReadOnlyList<string> kitArguments, int threads, long memoryLimitBytes)
    {
        var kitDll = Path.GetFileName(typeof(GradingWorkspace).Assembly.Location);
        var dotnet = Path.GetFullPath(ResolveLinks(NotebookProcess.KitStartInfo().FileName));
        ProcessStartInfo start;
        if (Confined)
        {
            var mounts = new List<string>();
            foreach (var folder in SystemFolders.Where(Path.Exists))
                mounts.Add(new FileInfo(folder).LinkTarget is { } target
                    ? $"ln -s {Quote(target)} \"$R\"{Quote(folder)}"
                    : $"bind_ro {Quote(folder)} {Quote(folder)}");
            var dotnetRoot = Path.GetDirectoryName(dotnet)!;
            if (!SystemFolders.Any(f => IsInside(dotnetRoot, f))) mounts.Add($"bind_ro {Quote(dotnetRoot)} {Quote(dotnetRoot)}");
            foreach (var file in EtcFiles.Select(f => "/etc/" + f).Where(File.Exists))
                mounts.Add($"touch \"$R\"{Quote(file)}; mount --bind {Quote(file)} \"$R\"{Quote(file)}; mount -o remount,bind,ro \"$R\"{Quote(file)}");
            if (Directory.Exists("/etc/ld.so.conf.d")) mounts.Add("bind_ro /etc/ld.so.conf.d /etc/ld.so.conf.d");
            foreach (var h in Hidden) mounts.Add($"mount -t tmpfs -o size=4k,mode=000 grader-hidden \"$R\"{Quote(h)}");
            mounts.Add($"bind_ro {Quote(KitBin)} {SandboxKit}/bin");
            mounts.Add($"bind_ro {Quote(Library)} {SandboxKit}/artifacts/lib");
            mounts.Add($"bind_ro {Quote(Data)} {SandboxKit}/data");
            foreach (var sub in DataNotForSubmissions.Where(f => Directory.Exists(Path.Combine(Data, f))))
                mounts.Add($"mount -t tmpfs -o size=4k,mode=000 grader-hidden \"$R\"{SandboxKit}/data/{sub}");
            mounts.Add($"bind_rw {Quote(Path.Combine(sandbox.Folder, "notebooks"))} {SandboxKit}/notebooks");
            mounts.Add($"bind_rw {Quote(Path.Combine(sandbox.Folder, "out"))} {SandboxKit}/out");
            mounts.Add($"bind_rw {Quote(Path.Combine(sandbox.Folder, "home"))} {SandboxHome}");
            uint u = sandbox.User;
            var script = $$"""
                PATH=/usr/sbin:/usr/bin:/sbin:/bin
                R={{Quote(Path.Combine(sandbox.Folder, "root"))}}
                bind_ro() { mkdir -p "$R$2"; mount --rbind "$1" "$R$2"; mount -o remount,bind,ro,nosuid,nodev "$R$2"; }
                bind_rw() { mkdir -p "$R$2"; mount --bind "$1" "$R$2"; mount -o remount,bind,nosuid,nodev "$R$2"; }
                CG={{Quote(CgroupOf(sandbox))}}
                if grep -qw memory {{CgroupRoot}}/cgroup.subtree_control 2>/dev/null && grep -qw pids {{CgroupRoot}}/cgroup.subtree_control && mkdir "$CG" 2>/dev/null; then
                  echo {{memoryLimitBytes + memoryLimitBytes / 4}} > "$CG/memory.max"; echo 0 > "$CG/memory.swap.max" 2>/dev/null || true
                  echo 1024 > "$CG/pids.max"; echo 0 > "$CG/cgroup.procs"
                fi
                mount -t tmpfs -o mode=755,size=16m,nosuid sandbox-root "$R"
                mkdir -p "$R/etc" "$R/dev" "$R/proc" "$R/tmp" "$R/var/tmp" "$R/dev/shm" "$R/home" "$R{{SandboxKit}}/artifacts"
                {{string.Join("\n", mounts)}}
                printf '<!-- marks the kit root for KitPaths -->\n' > "$R{{SandboxKit}}/Diffusion.Lib.csproj"
                printf 'root:x:0:0::/:/bin/false\nstudent:x:{{u}}:{{u}}::{{SandboxHome}}:/bin/false\n' > "$R/etc/passwd"
                printf 'root:x:0:\nstudent:x:{{u}}:\n' > "$R/etc/group"
                for d in null zero full random urandom; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
                mount -t tmpfs -o mode=1777,size=1g,nosuid,nodev grader-tmp "$R/tmp"
                mount -t tmpfs -o mode=1777,size=1g,nosuid,nodev grader-var-tmp "$R/var/tmp"
                mount -t tmpfs -o mode=1777,size=256m,nosuid,nodev grader-shm "$R/dev/shm"
                mount -t proc -o nosuid,nodev,noexec,hidepid=2 proc "$R/proc"
                mount -o remount,ro "$R"
                exec chroot "$R" /bin/sh -ec 'cd {{SandboxKit}}/notebooks; exec "$@"' child \
                  prlimit --nproc=1024 --fsize={{4L << 30}} --core=0 -- \
                  setpriv --reuid={{u}} --regid={{u}} --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- \
                  "$@"
                """;
            start = new ProcessStartInfo("unshare")
            {
                ArgumentList = { "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--net", "--ipc", "--uts", "--", "/bin/sh", "-ec", script, "grader", dotnet, $"{SandboxKit}/bin/{kitDll}" },
            };
        }
        else
        {
            start = new ProcessStartInfo(dotnet) { ArgumentList = { Path.Combine(KitBin, kitDll) } };
            start.WorkingDirectory = Path.Combine(sandbox.Folder, "notebooks");
        }
        foreach (var a in kitArguments) start.ArgumentList.Add(a);

        // A clean, fixed environment: the same inputs give the same grades, and nothing of the grader's leaks in.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = Confined ? SandboxHome : Path.Combine(sandbox.Folder, "home");
        start.Environment["TMPDIR"] = Confined ? "/tmp" : Path.Combine(sandbox.Folder, "home");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DIFFUSION_ROOT"] = Confined ? SandboxKit : sandbox.Folder;
        start.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LANG"] = "C.UTF-8";
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot2) start.Environment["DOTNET_ROOT"] = dotnetRoot2;
        return start;
    }

    const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>
    /// The attempt's cgroup (v2), used where the machine delegates the memory and pids controllers at its root: a hard
    /// memory limit a little above --memory (the watchdog, which says why, acts first) and a process limit.
    /// </summary>
    static string CgroupOf(Sandbox sandbox) => $"{CgroupRoot}/diffusion-grade-{sandbox.User}";

    /// <summary>True when the kernel killed the attempt for its cgroup's memory limit.</summary>
    public bool RanOutOfMemory(Sandbox sandbox)
    {
        try
        {
            var events = Path.Combine(CgroupOf(sandbox), "memory.events");
            return Confined && File.Exists(events) && File.ReadLines(events).Any(l => l.StartsWith("oom_kill ", StringComparison.Ordinal) && l != "oom_kill 0");
        }
        catch (IOException) { return false; }
    }

    /// <summary>The attempt's folder as the child sees it.</summary>
    public string ChildPath(Sandbox sandbox, string sub) =>
        Confined ? $"{SandboxKit}/{sub}" : Path.Combine(sandbox.Folder, sub);

    /// <summary>Gives the attempt's user a file the parent wrote into its folder.</summary>
    public void HandOver(Sandbox sandbox, params string[] paths)
    {
        if (!Confined) return;
        foreach (var path in paths) Unix.ChangeOwner(path, sandbox.User);
    }

    /// <summary>Deletes the attempt's folder (as the grader, whatever modes the submission left on its files) and its cgroup.</summary>
    public void Remove(Sandbox sandbox)
    {
        var cgroup = CgroupOf(sandbox);
        if (Confined && Directory.Exists(cgroup))
            try
            {
                if (File.Exists(Path.Combine(cgroup, "cgroup.kill"))) File.WriteAllText(Path.Combine(cgroup, "cgroup.kill"), "1");
                for (int i = 0; i < 20 && !TryRemoveDirectory(cgroup); i++) Thread.Sleep(50);
            }
            catch (IOException) { }
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(sandbox.Folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                try { Unix.SetMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            Directory.Delete(sandbox.Folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _users?.Dispose();
    }

    /// <summary>unshare (mount, PID and network namespaces), chroot, setpriv and prlimit present and allowed here.</summary>
    static bool CanConfine(Action<string> log)
    {
        try
        {
            var probe = new ProcessStartInfo("unshare")
            {
                ArgumentList = { "--mount", "--pid", "--fork", "--net", "--", "/bin/sh", "-ec",
                    "mount -t proc proc /proc 2>/dev/null || true; command -v chroot >/dev/null; setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc=64 -- true" },
                RedirectStandardError = true, RedirectStandardOutput = true,
            };
            using var p = Process.Start(probe)!;
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0) return true;
            log($"grader: cannot confine submissions here (unshare/setpriv/prlimit: {error.Trim()}); they run unconfined.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log($"grader: cannot confine submissions here ({e.Message}); they run unconfined.");
        }
        return false;
    }

    static bool TryRemoveDirectory(string path)
    {
        try { Directory.Delete(path); return true; }
        catch (IOException) { return false; }
    }

    static string ResolveLinks(string path)
    {
        var full = path.Contains('/') ? path : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Select(d => Path.Combine(d, path)).FirstOrDefault(File.Exists) ?? path;
        return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
    }

    static bool IsInside(string folder, string candidateParent)
    {
        var f = Path.GetFullPath(folder).TrimEnd('/') + "/";
        var p = Path.GetFullPath(candidateParent).TrimEnd('/') + "/";
        return f.StartsWith(p, StringComparison.Ordinal);
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}

/// <summary>One attempt's folder on the grader's side; <see cref="User"/> is its user id when confined.</summary>
public sealed record Sandbox(string Folder, uint User, bool Confined)
{
    public string Notebooks => Path.Combine(Folder, "notebooks");
    /// <summary>The folder the child writes its results to (read back with no link followed).</summary>
    public string Out => Path.Combine(Folder, "out");
}
