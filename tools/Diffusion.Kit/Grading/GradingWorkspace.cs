using System.Diagnostics;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>
/// Where submissions run. One temporary folder per `grade` run holds a read-only view of the kit (library, data,
/// the kit's own binaries) and a fresh sandbox per attempt, each with the submission alone in notebooks/.
///
/// Run as root (a grading server, a container, CI), the grader confines every attempt:
/// <list type="bullet">
/// <item>its own unprivileged user id, so it can write only its sandbox; the kit view is hard links owned by root;</item>
/// <item>a private mount namespace in which the key, the submissions folder and the grades folder are empty;</item>
/// <item>no network (a private network namespace), a process-count limit and a file-size limit.</item>
/// </list>
/// Run as another user, attempts run as that user with the same time and memory limits but without the
/// file-system walls; the summary says so.
/// </summary>
public sealed class GradingWorkspace : IDisposable
{
    const uint FirstUserId = 61_000;
    int _nextSandbox;

    GradingWorkspace(string root, bool confined, string kitBin, string library, string data, IReadOnlyList<string> hidden)
    {
        Root = root; Confined = confined; KitBin = kitBin; Library = library; Data = data; Hidden = hidden;
    }

    public string Root { get; }
    /// <summary>True when attempts run under their own user id in private namespaces.</summary>
    public bool Confined { get; }
    public string KitBin { get; }
    public string Library { get; }
    public string Data { get; }
    /// <summary>Folders an attempt sees empty.</summary>
    public IReadOnlyList<string> Hidden { get; }

    public string Containment => Confined
        ? "confined: each attempt ran under its own user id, without network, with the key, submissions and grades hidden"
        : "NOT confined (the grader was not run as root): attempts ran as the grading user, limited in time and memory only";

    /// <param name="hide">Folders no submission may see (key, submissions, grades); ignored when not confined.</param>
    public static GradingWorkspace Create(string kitRoot, IEnumerable<string> hide, Action<string> log)
    {
        bool confined = Unix.IsRoot && CanConfine(log);
        var root = Directory.CreateTempSubdirectory("diffusion-grade-").FullName;
        var kitBin = Path.GetDirectoryName(typeof(GradingWorkspace).Assembly.Location)!;
        var library = Path.Combine(kitRoot, "artifacts", "lib");
        var data = Path.Combine(kitRoot, "data");
        if (!confined)
            return new GradingWorkspace(root, false, kitBin, library, data, []);

        // Traversable, not listable: attempts reach kit/ and their own sandbox, never each other's.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var view = Path.Combine(root, "kit");
        log("grader: linking a read-only view of the kit for the sandboxes");
        LinkTree(kitBin, Path.Combine(view, "bin"));
        LinkTree(library, Path.Combine(view, "artifacts", "lib"));
        LinkTree(data, Path.Combine(view, "data"));
        var hidden = hide.Select(Path.GetFullPath).Distinct()
            .Where(Directory.Exists)
            .Where(h => !IsInside(root, h) && !IsInside(kitBin, h) && !IsInside(library, h) && !IsInside(data, h))
            .ToList();
        return new GradingWorkspace(root, true,
            Path.Combine(view, "bin"), Path.Combine(view, "artifacts", "lib"), Path.Combine(view, "data"), hidden);
    }

    /// <summary>A fresh sandbox: kit/{Diffusion.Lib.csproj, notebooks/, out/, artifacts/lib, data} plus home/ and tmp/.</summary>
    public Sandbox NewSandbox()
    {
        int id = Interlocked.Increment(ref _nextSandbox);
        var folder = Path.Combine(Root, $"s{id:D4}");
        var kit = Path.Combine(folder, "kit");
        foreach (var sub in new[] { "notebooks", "out", ".cache", "artifacts" })
            Directory.CreateDirectory(Path.Combine(kit, sub));
        Directory.CreateDirectory(Path.Combine(folder, "home"));
        Directory.CreateDirectory(Path.Combine(folder, "tmp"));
        File.WriteAllText(Path.Combine(kit, "Diffusion.Lib.csproj"), "<!-- marks the kit's root for KitPaths -->\n");
        uint user = FirstUserId + (uint)id;
        if (Confined)
        {
            // Before the links are made, so the walk cannot wander into the shared view.
            foreach (var path in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Prepend(folder))
                Unix.ChangeOwner(path, user);
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Directory.CreateSymbolicLink(Path.Combine(kit, "artifacts", "lib"), Library);
        Directory.CreateSymbolicLink(Path.Combine(kit, "data"), Data);
        return new Sandbox(folder, kit, user);
    }

    /// <summary>A command line that runs `dotnet Diffusion.Kit.dll ARGS` inside the sandbox, confined when possible.</summary>
    public ProcessStartInfo StartInfo(Sandbox sandbox, IReadOnlyList<string> kitArguments, int threads)
    {
        var kitDll = Path.Combine(KitBin, Path.GetFileName(typeof(GradingWorkspace).Assembly.Location));
        var dotnet = NotebookProcess.KitStartInfo().FileName;
        ProcessStartInfo start;
        if (Confined)
        {
            var script = string.Concat(Hidden.Select(h => $"mount -t tmpfs -o size=16k,mode=000 grader-hidden {Quote(h)}\n")) +
                         $"exec prlimit --nproc=4096 --fsize={4L << 30} --core=0 -- setpriv --reuid={sandbox.User} --regid={sandbox.User} --clear-groups --no-new-privs -- \"$@\"\n";
            start = new ProcessStartInfo("unshare") { ArgumentList = { "--mount", "--propagation", "private", "--net", "--", "/bin/sh", "-ec", script, "grader", dotnet, kitDll } };
        }
        else
        {
            start = new ProcessStartInfo(dotnet) { ArgumentList = { kitDll } };
        }
        foreach (var a in kitArguments) start.ArgumentList.Add(a);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        start.WorkingDirectory = Path.Combine(sandbox.Kit, "notebooks");

        // A clean, fixed environment: the same inputs give the same grades, and nothing of the grader's leaks in.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = Path.Combine(sandbox.Folder, "home");
        start.Environment["TMPDIR"] = Path.Combine(sandbox.Folder, "tmp");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DIFFUSION_ROOT"] = sandbox.Kit;
        start.Environment["OMP_NUM_THREADS"] = threads.ToString();
        start.Environment["LANG"] = "C.UTF-8";
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot) start.Environment["DOTNET_ROOT"] = dotnetRoot;
        return start;
    }

    /// <summary>Gives the attempt's user the files the parent wrote into its sandbox.</summary>
    public void HandOver(Sandbox sandbox, params string[] paths)
    {
        if (!Confined) return;
        foreach (var path in paths) Unix.ChangeOwner(path, sandbox.User);
    }

    /// <summary>Kills every process of the attempt's user (confined: the id is the attempt's alone), detached ones included.</summary>
    public void KillAll(Sandbox sandbox)
    {
        if (!Confined) return;
        using var p = Process.Start(new ProcessStartInfo("pkill") { ArgumentList = { "-KILL", "-U", sandbox.User.ToString() }, RedirectStandardError = true });
        p?.WaitForExit();
    }

    /// <summary>Deletes the sandbox (as the grader, whatever modes the submission left on its files).</summary>
    public void Remove(Sandbox sandbox)
    {
        try { Directory.Delete(sandbox.Folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>unshare, setpriv and prlimit present, and namespaces allowed here.</summary>
    static bool CanConfine(Action<string> log)
    {
        try
        {
            var probe = new ProcessStartInfo("unshare") { ArgumentList = { "--mount", "--net", "--", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "prlimit", "--nproc=64", "--", "true" }, RedirectStandardError = true, RedirectStandardOutput = true };
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

    /// <summary>Recreates <paramref name="from"/> at <paramref name="to"/> with hard links (copies across devices), none writable by others.</summary>
    static void LinkTree(string from, string to)
    {
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"The grader needs {from}; build the kit first (`dotnet build`).");
        var readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(to);
        File.SetUnixFileMode(to, readable);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, dir));
            Directory.CreateDirectory(target);
            File.SetUnixFileMode(target, readable);
        }
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            var source = new FileInfo(file).LinkTarget is not null ? Path.GetFullPath(new FileInfo(file).ResolveLinkTarget(true)!.FullName) : file;
            if (!Unix.TryHardLink(source, target)) File.Copy(source, target);
            // Same inode as the kit's file: the sandbox users must not be able to write it.
            var mode = File.GetUnixFileMode(target) & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
            File.SetUnixFileMode(target, mode | UnixFileMode.OtherRead | UnixFileMode.GroupRead);
        }
    }

    static bool IsInside(string folder, string candidateParent)
    {
        var f = Path.GetFullPath(folder).TrimEnd('/') + "/";
        var p = Path.GetFullPath(candidateParent).TrimEnd('/') + "/";
        return f.StartsWith(p, StringComparison.Ordinal);
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}

/// <summary>One attempt's private folder: <see cref="Kit"/> is the kit root it sees; <see cref="User"/> its user id when confined.</summary>
public sealed record Sandbox(string Folder, string Kit, uint User)
{
    public string Notebooks => Path.Combine(Kit, "notebooks");
    public string Out => Path.Combine(Kit, "out", "graded");
}
