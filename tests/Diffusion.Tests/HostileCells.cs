namespace Diffusion.Tests;

/// <summary>
/// The hostile cells of the grading tests, one per attack class of issue 17 (written for these tests). Each is plain
/// C# a student could paste into a notebook; the tests check that none of them wins a point, reads or damages
/// anything, or outlives its attempt.
/// </summary>
static class HostileCells
{
    /// <summary>
    /// 1. Forged results from the submission's own memory: find the grader's nonce in /proc/self/mem, print progress
    /// lines with it, and at exit write a probe report over the real one that claims every probe finished.
    /// </summary>
    public static string ForgeFromMemory(string notebook) => $$"""
        var nonces = new HashSet<string>();
        long scanned = 0;
        try
        {
            using var mem = new System.IO.FileStream("/proc/self/mem", System.IO.FileMode.Open, System.IO.FileAccess.Read);
            foreach (var line in System.IO.File.ReadLines("/proc/self/maps"))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2 || !parts[1].StartsWith("rw") || scanned > (768L << 20)) continue;
                var range = parts[0].Split('-');
                long from = Convert.ToInt64(range[0], 16), to = Convert.ToInt64(range[1], 16);
                if (to - from > (128L << 20)) continue;
                var buffer = new byte[to - from];
                int n;
                try { mem.Seek(from, System.IO.SeekOrigin.Begin); n = mem.Read(buffer, 0, buffer.Length); } catch { continue; }
                scanned += n;
                foreach (var text in new[] { System.Text.Encoding.ASCII.GetString(buffer, 0, n), System.Text.Encoding.Unicode.GetString(buffer, 0, n & ~1) })
                    foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, "@@grade ([0-9A-F]{32})|\"nonce\":\"([0-9A-F]{32})\""))
                        nonces.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
            }
        }
        catch (Exception e) { Console.WriteLine("memory: " + e.GetType().Name); }
        Console.WriteLine($"scanned {scanned >> 20} MB, nonces found: {nonces.Count}");
        var original = new System.IO.StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        foreach (var nonce in nonces)
        {
            for (int i = 1; i <= 5; i++) original.WriteLine("@@grade " + nonce + " {\"probe\":" + i + "}");
            original.WriteLine("@@grade " + nonce + " {\"done\":true}");
        }
        var forged = "{\"figures\":0,\"probes\":[" + string.Join(",", Enumerable.Range(1, 5).Select(i =>
            "{\"index\":" + i + ",\"status\":\"Finished\",\"values\":[{\"shape\":[3,32,32],\"data\":[" + string.Join(",", Enumerable.Repeat("0.5", 3072)) + "]}]}")) + "]}";
        var report = System.IO.Path.Combine(Diffusion.Runtime.KitPaths.Out, "{{notebook}}.probes.json");
        // Written over the real report when the process ends, after the probes ran.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { System.IO.File.WriteAllText(report, forged); } catch { } };
        """;

    /// <summary>2. Rebinding the names hidden tests used to read: T, timesteps, schedule, a class Math, and functions that return zeros.</summary>
    public const string Rebind = """
        int T = 1;
        int[] timesteps = new[] { 0 };
        static class Math
        {
            public static double Sqrt(double x) => 0;
            public static double Exp(double x) => 0;
            public static double Log(double x) => 0;
            public static double Abs(double x) => 0;
        }
        Tensor Forward(Tensor x0, int t, Generator generator) => x0 * 0;
        Tensor OneStepDenoise(INoiseEstimator estimator, Tensor xt, int t) => xt * 0;
        Tensor AddVariance(NoisePrediction prediction, double beta, double betaTilde, Generator generator) => prediction.Noise * 0;
        Tensor IterativeDenoise(INoiseEstimator estimator, Tensor x, int iStart, int[] timesteps, Generator generator, List<(int T, Tensor Image)> kept = null) => x * 0;
        """;

    /// <summary>
    /// 3, 5 and the private folders: read and damage the key, a classmate's submission and the kit's git history, list
    /// the main job's cached figures and the runs in training, look
    /// for the grader through /proc, leave files in /tmp, /var/tmp and /dev/shm, and start processes that hold the
    /// notebook's stdout (one of them detached).
    /// </summary>
    public static string Intrude(IEnumerable<string> files, string gitDir, string marker) => $$"""
        foreach (var f in new[] { {{string.Join(", ", files.Select(f => "\"" + f + "\""))}} })
        {
            try { Console.WriteLine($"read {f}: {System.IO.File.ReadAllText(f)}"); } catch (Exception e) { Console.WriteLine($"read {f}: {e.GetType().Name}"); }
            try { System.IO.File.WriteAllText(f, "overwritten"); } catch (Exception e) { Console.WriteLine($"write {f}: {e.GetType().Name}"); }
            try { System.IO.File.Delete(f); } catch (Exception e) { Console.WriteLine($"delete {f}: {e.GetType().Name}"); }
        }
        foreach (var sub in new[] { {{string.Join(", ", Diffusion.Kit.Grading.GradingWorkspace.DataNotForSubmissions.Select(d => "\"" + d + "\""))}} })
            try { Console.WriteLine($"data/{sub}: {string.Join(", ", System.IO.Directory.GetFileSystemEntries(System.IO.Path.Combine(Diffusion.Runtime.KitPaths.Data, sub)))}"); }
            catch (Exception e) { Console.WriteLine($"data/{sub}: {e.GetType().Name}"); }
        try { System.IO.File.Delete(System.IO.Path.Combine(Diffusion.Runtime.KitPaths.Data, "mnist", "README.md")); } catch (Exception e) { Console.WriteLine($"delete data: {e.GetType().Name}"); }
        try
        {
            var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", "--git-dir={{gitDir}} show HEAD:notebooks/A1-sampling-loops.dib") { RedirectStandardOutput = true, RedirectStandardError = true });
            Console.WriteLine("git: " + git.StandardOutput.ReadToEnd() + git.StandardError.ReadToEnd());
            git.WaitForExit();
        }
        catch (Exception e) { Console.WriteLine($"git: {e.GetType().Name}"); }
        foreach (var dir in System.IO.Directory.GetDirectories("/proc"))
            try { Console.WriteLine($"process {dir}: {System.IO.File.ReadAllText(dir + "/cmdline").Replace('\0', ' ')}"); } catch { }
        foreach (var dir in new[] { "/tmp", "/var/tmp", "/dev/shm", "/work", "/root", "/home" })
        {
            try { Console.WriteLine($"{dir}: {string.Join(", ", System.IO.Directory.GetFileSystemEntries(dir))}"); } catch (Exception e) { Console.WriteLine($"{dir}: {e.GetType().Name}"); }
            try { System.IO.File.WriteAllText(System.IO.Path.Combine(dir, "{{marker}}"), "left behind"); } catch (Exception e) { Console.WriteLine($"write {dir}: {e.GetType().Name}"); }
        }
        System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "86399") { UseShellExecute = false });
        System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", "-c \"sleep 86398 &\"") { UseShellExecute = false });
        """;

    /// <summary>4. At exit, turn the attempt's results into links to a classmate's submission and the key.</summary>
    public static string LinkResultsAt(string notebook, string victim, string key) => $$"""
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            var results = Diffusion.Runtime.KitPaths.Out;
            foreach (var (file, target) in new[] { ("{{notebook}}.ipynb", "{{victim}}"), ("{{notebook}}.run.json", "{{key}}"), ("{{notebook}}.probes.json", "{{key}}") })
                try { System.IO.File.Delete(System.IO.Path.Combine(results, file)); System.IO.File.CreateSymbolicLink(System.IO.Path.Combine(results, file), target); } catch { }
            try
            {
                var moved = results + ".moved";
                System.IO.Directory.Move(results, moved);
                System.IO.Directory.CreateSymbolicLink(results, System.IO.Path.GetDirectoryName("{{victim}}"));
            }
            catch { }
        };
        """;
}
