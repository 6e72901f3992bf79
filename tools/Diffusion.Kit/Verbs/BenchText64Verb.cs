using System.CommandLine;
using System.Diagnostics;
using Diffusion.Runtime;
using Diffusion.TextToImage;
using static TorchSharp.torch;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `bench-text-64`: the part A model v2's speed alone (forward at batch 2 and 16, a training step, guided sampling),
/// against its budget: one guided 34-step sample in 2 s, 0.8 s each in a batch of 8, on 2 cores.
/// </summary>
public sealed class BenchText64Verb : IVerb
{
    static readonly TextToImage64Recipe Recipe = TextToImage64Recipe.Default();

    readonly Option<int?> _threads = KitOptions.IntOrNull("--threads", "torch threads (default: libtorch's, one per core)", 1, 256);
    readonly Option<string> _channels = KitOptions.Word("--channels", "the network's channels at 64/32/16/8 pixels",
        c => TextToImage64Recipe.ParseChannels(c, "channels"), string.Join(',', Recipe.Channels), "C0,C1,C2,C3");
    readonly Option<int> _embedding = KitOptions.Int("--embedding", "the network's embedding width", Recipe.Embedding, 8, 4096, "E");
    readonly Option<int> _rounds = KitOptions.Int("--rounds", "timed rounds per measurement (the median is printed)", 5, 1, 1000, "R");
    readonly Option<string?> _from = KitOptions.TextOrNull("--from",
        "a weights file to sample from (default: a fresh network; speed does not depend on the weights)", "FILE");

    public Command Command { get; }

    public BenchText64Verb() => Command = KitOptions.Verb("bench-text-64",
        "print the 64x64 text-to-image network's forward, training and sampling speed", Run, _threads, _channels, _embedding, _rounds, _from);

    int Run(ParseResult parse, CancellationToken cancel)
    {
        int? threads = parse.GetValue(_threads);
        int[] channels = TextToImage64Recipe.ParseChannels(parse.GetValue(_channels)!, "channels");
        int embedding = parse.GetValue(_embedding);
        int rounds = parse.GetValue(_rounds);
        string? from = parse.GetValue(_from);

        TorchRuntime.Ensure();
        if (threads is int n) set_num_threads(n);
        using var net = new TextUNet64(channels, embedding);
        Console.WriteLine($"{net.Architecture}: {net.ParameterCount():N0} parameters, {get_num_threads()} threads");
        net.eval();
        foreach (int batch in new[] { 2, 16 })
        {
            double ms = Median(rounds, () =>
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                net.call(randn(batch, 3, 64, 64), full(batch, 500L), randn(batch, 384));
            });
            Console.WriteLine($"forward, batch {batch,2}: {ms,7:F1} ms");
        }
        // The 32 x 32 model's network in the same rounds, alternated, so a busy machine slows both alike: its guided
        // sampling was measured alone (docs/measurements.md), so the ratio says what to expect of this one alone.
        using (var small = new TextUNet(64, 256))
        {
            small.eval();
            foreach (int batch in new[] { 2, 16 })
            {
                var big = new List<double>();
                var little = new List<double>();
                for (int r = 0; r < rounds + 1; r++)
                {
                    big.Add(Time(() => { using var scope = NewDisposeScope(); using var _ = no_grad(); net.call(randn(batch, 3, 64, 64), full(batch, 500L), randn(batch, 384)); }));
                    little.Add(Time(() => { using var scope = NewDisposeScope(); using var _ = no_grad(); small.call(randn(batch, 3, 32, 32), full(batch, 500L), randn(batch, 384)); }));
                }
                double a = big.Skip(1).Order().ElementAt(rounds / 2), b = little.Skip(1).Order().ElementAt(rounds / 2);
                Console.WriteLine($"forward, batch {batch,2}, alternated with the 32x32 network: {a,7:F1} vs {b,7:F1} ms ({a / b:F2}x)");
            }
        }
        net.train();
        var optimizer = optim.Adam(net.parameters(), lr: 1e-4);
        foreach (int batch in new[] { 32 })
        {
            double ms = Median(Math.Max(2, rounds / 2), () =>
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var output = net.call(randn(batch, 3, 64, 64), randint(0, 1000, [batch]), randn(batch, 384));
                output.square().mean().backward();
                optimizer.step();
            });
            Console.WriteLine($"training step, batch {batch}: {ms,7:F1} ms ({batch * 1000 / ms:F1} images/s)");
        }
        optimizer.Dispose();
        // Guided sampling as part A does it: 34 strided steps, guidance 7, both passes in one batch.
        using var model = from is null ? new TextNoisePredictor(new TextUNet64(channels, embedding)) : TextToImage64Training.Load(from);
        foreach (int count in new[] { 1, 8 })
        {
            double ms = Median(Math.Max(1, rounds / 2), () =>
            {
                using var result = TextToImageSampling.Sample(model, "a rocket ship", count, gamma: 7, steps: 34, seed: 0);
            });
            Console.WriteLine($"guided 34-step sampling, {count} image{(count > 1 ? "s" : " ")}: {ms / 1000,6:F2} s ({ms / 1000 / count:F2} s each; budget {(count == 1 ? "2" : "0.8")} s each)");
        }
        return 0;
    }

    static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }

    static double Median(int rounds, Action action)
    {
        action();   // warm-up
        var times = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times.Order().ElementAt(times.Count / 2);
    }
}
