using Diffusion.Kit.Bench;
using Diffusion.Models;
using Diffusion.Models.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class ModelTests
{
    [Theory]
    [InlineData(DigitUNetKind.Unconditional, 128, 7.9e6)]
    [InlineData(DigitUNetKind.Unconditional, 64, 2.0e6)]
    [InlineData(DigitUNetKind.TimeConditioned, 64, 2.0e6)]
    [InlineData(DigitUNetKind.ClassConditioned, 64, 2.0e6)]
    public void ParameterCountsMatchTheCourse(DigitUNetKind kind, int hidden, double expected)
    {
        using var model = new DigitUNet(kind, hidden);
        // The course quotes "about" 7.9 M and 2.0 M; the conditioning FCBlocks add a few percent at most.
        Assert.InRange(model.ParameterCount(), expected * 0.97, expected * 1.04);
    }

    [Fact]
    public void UnconditionalCountIsTheSumOfTheSpecLayers()
    {
        // Independent count from the spec's table (weights + biases; BN has 2 params per channel).
        static long Conv(long i, long o, long k) => i * o * k * k + o;
        static long Bn(long c) => 2 * c;
        long d = 128;
        long convOp(long i, long o) => Conv(i, o, 3) + Bn(o);
        long convBlock(long i, long o) => convOp(i, o) + convOp(o, o);
        long expected =
            convBlock(1, d)                                   // e0
            + convOp(d, d) + convBlock(d, d)                  // e1 = DownConv + ConvBlock
            + convOp(d, 2 * d) + convBlock(2 * d, 2 * d)      // e2
            + Conv(2 * d, 2 * d, 7) + Bn(2 * d)               // unflatten
            + Conv(4 * d, d, 4) + Bn(d) + convBlock(d, d)     // up1
            + Conv(2 * d, d, 4) + Bn(d) + convBlock(d, d)     // up2
            + convBlock(2 * d, d)                             // head
            + Conv(d, 1, 3);                                  // output
        using var model = new DigitUNet(DigitUNetKind.Unconditional, (int)d);
        Assert.Equal(expected, model.ParameterCount());
    }

    [Fact]
    public void MultiplyAddsCountEveryConvolutionOfTheNetworkOnce()
    {
        // Independent count from the network's own weights: a conv costs its weight size per output pixel,
        // a transposed conv its weight size per input pixel.
        using var model = new DigitUNet(DigitUNetKind.ClassConditioned, 32);
        static (bool Encoder, double Pixels) Where(string name) => name switch
        {
            _ when name.StartsWith("e0.") => (true, 784),
            _ when name.StartsWith("e1.") => (true, 196),
            _ when name.StartsWith("e2.") => (true, 49),
            _ when name.StartsWith("unflatten.") => (true, 1),
            _ when name.StartsWith("up1.up.") => (false, 49),
            _ when name.StartsWith("up1.block.") => (false, 196),
            _ when name.StartsWith("up2.up.") => (false, 196),
            _ => (false, 784),                                   // up2.block, head, output
        };
        // The layers that take a concatenation with a skip; the skip is half of each one's input channels.
        static bool TakesSkip(string name) => name is "up1.up.convt.weight" or "up2.up.convt.weight" or "head.conv1.conv.weight";
        double encoder = 0, decoder = 0, skips = 0;
        foreach (var (name, p) in model.named_parameters().Where(p => p.parameter.ndim == 4))
        {
            var (isEncoder, pixels) = Where(name);
            if (isEncoder) encoder += p.numel() * pixels; else decoder += p.numel() * pixels;
            if (TakesSkip(name)) skips += p.numel() / 2.0 * pixels;
        }
        var count = DigitUNetMultiplyAdds.PerImage(32);
        Assert.Equal(encoder, count.Encoder);
        Assert.Equal(decoder, count.Decoder);
        Assert.Equal(skips, count.DecoderSkips);
        // Guidance: 3 images encoded once, decoded twice, their skips' share once.
        Assert.Equal(3 * encoder + 6 * decoder - 3 * skips, count.Step(images: 3, copies: 2));
    }

    [Fact]
    public void ChannelsLastWeightsGiveTheSameValuesAndGradients()
    {
        manual_seed(7);
        using var plain = new DigitUNet(DigitUNetKind.ClassConditioned, 16);
        using var fast = new DigitUNet(DigitUNetKind.ClassConditioned, 16);
        fast.load_state_dict(plain.state_dict());
        MemoryLayout.UseChannelsLast(fast);
        Assert.All(fast.parameters().Where(p => p.ndim == 4 && p.shape[1] > 1), p => Assert.True(MemoryLayout.IsChannelsLast(p), $"a {string.Join("x", p.shape)} weight is not channels-last"));
        Assert.All(plain.parameters().Where(p => p.ndim == 4 && p.shape[1] > 1), p => Assert.False(MemoryLayout.IsChannelsLast(p)));

        using var scope = NewDisposeScope();
        var x = randn(3, 1, 28, 28);
        var t = rand(3);
        var c = nn.functional.one_hot(tensor(new long[] { 1, 5, 9 }), 10).to(ScalarType.Float32);
        var a = plain.forward(x, t, c);
        var b = fast.forward(x, t, c);
        var e0 = (TorchSharp.Modules.Sequential)fast.named_children().Single(c => c.name == "e0").module;
        Assert.True(MemoryLayout.IsChannelsLast(e0.call(x)), "channels-last weights gave a first block output that is not channels-last");
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), $"channels-last weights changed the output by up to {SamplingTestKit.MaxAbsDiff(a, b):E2}");
        a.square().sum().backward();
        b.square().sum().backward();
        // All gradients as one vector (a conv bias followed by BatchNorm has a gradient of rounding noise only).
        var g1 = cat(plain.parameters().Select(p => p.grad!.flatten()).ToArray());
        var g2 = cat(fast.parameters().Select(p => p.grad!.flatten()).ToArray());
        float gradientGap = (g1 - g2).norm().item<float>(), gradientNorm = g1.norm().item<float>();
        Assert.True(gradientGap < 1e-4 * gradientNorm, $"gradients differ by {gradientGap:E2} against a norm of {gradientNorm:E2}");
        // Saved weights are plain contiguous values, whatever the layout in memory.
        Assert.True(fast.state_dict()["e1.down.conv.weight"].contiguous().eq(plain.state_dict()["e1.down.conv.weight"]).all().item<bool>(),
            "the saved e1.down.conv.weight changed when stored channels-last");
    }

    [Fact]
    public void EveryKindMapsDigitsToDigitShapedOutput()
    {
        using var scope = NewDisposeScope();
        var x = rand(3, 1, 28, 28);
        var t = tensor(new float[] { 0.1f, 0.5f, 1f });
        var c = nn.functional.one_hot(tensor(new long[] { 0, 4, 9 }), 10).to(ScalarType.Float32);
        using var u = new DigitUNet(DigitUNetKind.Unconditional, 8);
        using var tc = new DigitUNet(DigitUNetKind.TimeConditioned, 8);
        using var cc = new DigitUNet(DigitUNetKind.ClassConditioned, 8);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, u.forward(x).shape);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, tc.forward(x, t).shape);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, cc.forward(x, t, c).shape);
    }

    [Fact]
    public void TimeChangesTheOutputOfTheTimeConditionedNet()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var net = new DigitUNet(DigitUNetKind.TimeConditioned, 8);
        net.eval();
        var x = rand(2, 1, 28, 28);
        var a = net.forward(x, full(2, 0.1f));
        var b = net.forward(x, full(2, 0.9f));
        var same = net.forward(x, full(2, 0.1f));
        float changed = (a - b).abs().max().item<float>();
        Assert.Equal(0f, (a - same).abs().max().item<float>());
        // Relative to the output's own scale, so a small random init cannot hide the time path.
        Assert.True(changed > 1e-3 * a.abs().max().item<float>(), $"t changed the output by only {changed}");
    }

    [Theory]
    [InlineData(1, 32, 32)]
    [InlineData(3, 28, 28)]
    public void WrongImageShapesAreRejectedByName(int channels, int h, int w)
    {
        using var net = new DigitUNet(DigitUNetKind.Unconditional, 4);
        using var x = rand(1, channels, h, w);
        var e = Assert.Throws<ArgumentException>(() => net.forward(x));
        Assert.Equal("x", e.ParamName);
        Assert.Contains($"got 1x{channels}x{h}x{w}", e.Message);
    }

    [Fact]
    public void ClassModelNeedsTenWideOneHot()
    {
        using var net = new DigitUNet(DigitUNetKind.ClassConditioned, 4);
        using var x = rand(2, 1, 28, 28);
        using var t = rand(2);
        using var c = zeros(2, 9);
        var e = Assert.Throws<ArgumentException>(() => net.forward(x, t, c));
        Assert.Contains("2 x 10", e.Message);
    }
}

public class DigitNoisePredictorTests
{
    [Fact]
    public void OnePassPairEqualsTwoPassesAndGuidanceUsesIt()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = new DigitNoisePredictor(new DigitUNet(DigitUNetKind.ClassConditioned, 8));
        var x = randn(3, 1, 28, 28);
        var digits = Diffusion.Sampling.Conditioning.Classes(1, 5, 9);
        var (c, u) = model.PredictPair(x, 120, digits, Diffusion.Sampling.Conditioning.Null);
        using var c2 = model.Predict(x, 120, digits);
        using var u2 = model.Predict(x, 120, Diffusion.Sampling.Conditioning.Null);
        TensorAssert.Close(c.Noise, c2.Noise, rtol: 1e-5, atol: 1e-5);
        TensorAssert.Close(u.Noise, u2.Noise, rtol: 1e-5, atol: 1e-5);
        // eps_u + gamma (eps_c - eps_u), computed here from the separate passes (1.6 / B.4).
        using var guided = Diffusion.Sampling.NoiseEstimators.Guided(model, digits, 5).Estimate(x, 120);
        TensorAssert.Close(guided.Noise, u2.Noise + 5 * (c2.Noise - u2.Noise), rtol: 1e-4, atol: 1e-4);
        c.Dispose(); u.Dispose();
    }

    [Fact]
    public void TheTimeOnlyModelRefusesClassesAndTheClassModelRefusesTen()
    {
        using var time = new DigitNoisePredictor(new DigitUNet(DigitUNetKind.TimeConditioned, 4));
        using var cls = new DigitNoisePredictor(new DigitUNet(DigitUNetKind.ClassConditioned, 4));
        using var x = randn(1, 1, 28, 28);
        Assert.Contains("unconditional", Assert.Throws<ArgumentException>(() => time.Predict(x, 0, Diffusion.Sampling.Conditioning.Class(3))).Message);
        Assert.Contains("got 10", Assert.Throws<ArgumentException>(() => cls.Predict(x, 0, Diffusion.Sampling.Conditioning.Class(10))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => cls.Predict(x, 300, Diffusion.Sampling.Conditioning.Null));
    }
}

public class FastDigitUNetTests
{
    static (Tensor X, Tensor? T, Tensor? C) Inputs(DigitUNetKind kind, long n)
    {
        var x = randn(n, 1, 28, 28);
        var t = kind == DigitUNetKind.Unconditional ? null : rand(n);
        var c = kind == DigitUNetKind.ClassConditioned
            ? nn.functional.one_hot(randint(10, n), 10).to(ScalarType.Float32) * (rand(n, 1) > 0.3f).to(ScalarType.Float32)
            : null;
        return (x, t, c);
    }

    [Theory]
    [InlineData(DigitUNetKind.Unconditional)]
    [InlineData(DigitUNetKind.TimeConditioned)]
    [InlineData(DigitUNetKind.ClassConditioned)]
    public void TheFastPathGivesThePlainNetworksOutput(DigitUNetKind kind)
    {
        manual_seed(31);
        using var scope = NewDisposeScope();
        using var net = new DigitUNet(kind, 16);
        NormStatistics.Randomise(net);
        net.eval();
        using var _ = inference_mode();
        var (x, t, c) = Inputs(kind, 5);
        var plain = net.forward(x, t, c);
        var fast = new FastDigitUNet(net).Forward(x, t, c);
        double difference = SamplingTestKit.MaxAbsDiff(fast, plain);
        Assert.True(difference < 1e-4, $"{kind}: fast path differs from DigitUNet.forward by up to {difference:E2} (output scale {plain.abs().max().item<float>():F2})");
    }

    [Theory]
    [InlineData(DigitUNetKind.TimeConditioned)]
    [InlineData(DigitUNetKind.ClassConditioned)]
    public void OneEncodingDecodedTwiceGivesThePlainNetworkOnEachConditioning(DigitUNetKind kind)
    {
        manual_seed(32);
        using var scope = NewDisposeScope();
        using var net = new DigitUNet(kind, 16);
        NormStatistics.Randomise(net);
        net.eval();
        using var _ = inference_mode();
        var (x, t1, c1) = Inputs(kind, 3);
        var (_, t2, c2) = Inputs(kind, 3);
        var fast = new FastDigitUNet(net);
        var both = fast.Decode(fast.Encode(x).Twice(), cat([t1!, t2!], 0), c1 is null ? null : cat([c1, c2!], 0));
        var first = net.forward(x, t1, c1);
        var second = net.forward(x, t2, c2);
        double d1 = SamplingTestKit.MaxAbsDiff(both.narrow(0, 0, 3), first), d2 = SamplingTestKit.MaxAbsDiff(both.narrow(0, 3, 3), second);
        Assert.True(d1 < 1e-4 && d2 < 1e-4, $"{kind}: decoding twice differs from the plain network by {d1:E2} (first) and {d2:E2} (second)");
    }

    [Fact]
    public void ANetworkInTrainingModeIsRefused()
    {
        using var scope = NewDisposeScope();
        using var net = new DigitUNet(DigitUNetKind.Unconditional, 4);
        var e = Assert.Throws<InvalidOperationException>(() => new FastDigitUNet(net).Forward(randn(1, 1, 28, 28)));
        Assert.Contains("eval()", e.Message);
    }
}

public class SkipConcatTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public void SplitConvolutionEqualsConvolvingTheConcatenation(bool transposed, int copies)
    {
        manual_seed(11);
        using var scope = NewDisposeScope();
        // The shapes of the UNet's joins: UpConv (4x4, stride 2) on cat(u0, e2) and Conv (3x3) on cat(u2, e0).
        var layer = transposed
            ? (TorchSharp.Modules.Convolution)nn.ConvTranspose2d(12, 5, kernel_size: 4, stride: 2, padding: 1)
            : nn.Conv2d(12, 5, kernel_size: 3, stride: 1, padding: 1);
        var a = randn(2 * copies, 7, 6, 6);
        var skip = randn(2, 5, 6, 6);
        var expected = layer.call(cat([a, skip.repeat(copies, 1, 1, 1)], 1));
        var got = SkipConcat.Convolve(layer, a, skip);
        Assert.Equal(expected.shape, got.shape);
        TensorAssert.Close(got, expected, rtol: 1e-5, atol: 1e-5);
    }

    [Fact]
    public void ABlockWithSkipEqualsTheBlockOnTheConcatenation()
    {
        manual_seed(12);
        using var scope = NewDisposeScope();
        using var block = Blocks.UpBlock(8, 3);
        NormStatistics.Randomise(block);
        block.eval();
        var a = randn(4, 5, 7, 7);
        var skip = randn(2, 3, 7, 7);
        using var _ = inference_mode();
        var expected = block.call(cat([a, skip.repeat(2, 1, 1, 1)], 1));
        TensorAssert.Close(SkipConcat.Call(block, a, skip), expected, rtol: 1e-5, atol: 1e-5);
    }

    [Fact]
    public void MismatchedRowsOrChannelsNameTheArgument()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(6, 2, kernel_size: 3, padding: 1);
        var rows = Assert.Throws<ArgumentException>(() => SkipConcat.Convolve(conv, randn(3, 4, 5, 5), randn(2, 2, 5, 5)));
        Assert.Equal("a", rows.ParamName);
        Assert.Contains("got 3 rows", rows.Message);
        var channels = Assert.Throws<ArgumentException>(() => SkipConcat.Convolve(conv, randn(2, 4, 5, 5), randn(2, 3, 5, 5)));
        Assert.Equal("skip", channels.ParamName);
        Assert.Contains("6 channels together, got 4 + 3", channels.Message);
    }

    [Fact]
    public void EvaluationRunsChannelsLastWithTheValuesOfTheDefaultLayout()
    {
        manual_seed(13);
        using var scope = NewDisposeScope();
        using var net = new DigitUNet(DigitUNetKind.ClassConditioned, 8);
        NormStatistics.Randomise(net);
        net.eval();
        using var _ = inference_mode();
        var x = randn(3, 1, 28, 28);
        var features = new FastDigitUNet(net).Encode(x);
        Assert.True(MemoryLayout.IsChannelsLast(features.X0), "e0's output is not channels-last");
        Assert.True(MemoryLayout.IsChannelsLast(features.X2), "e2's output is not channels-last");
        // The same layers called one by one in the default layout, each norm on its own.
        var e0 = (TorchSharp.Modules.Sequential)net.named_children().Single(c => c.name == "e0").module;
        var plain = e0.call(x);
        Assert.False(MemoryLayout.IsChannelsLast(plain));
        TensorAssert.Close(features.X0, plain, rtol: 1e-5, atol: 1e-6);
    }
}

public class BatchNormFoldingTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void TheFoldedConvolutionEqualsTheConvolutionThenTheNorm(bool transposed, bool withBias)
    {
        manual_seed(21);
        using var scope = NewDisposeScope();
        var conv = transposed
            ? (TorchSharp.Modules.Convolution)nn.ConvTranspose2d(6, 5, kernel_size: 4, stride: 2, padding: 1, bias: withBias)
            : nn.Conv2d(6, 5, kernel_size: 3, stride: 1, padding: 1, bias: withBias);
        var norm = nn.BatchNorm2d(5);
        NormStatistics.Randomise(norm);
        norm.eval();
        var x = randn(3, 6, 7, 7);
        using var _ = inference_mode();
        var expected = norm.call(conv.call(x));
        // The norm written out: (y - mean) / sqrt(var + eps) * gamma + beta, per channel.
        var y = conv.call(x);
        var byHand = (y - norm.running_mean!.view(1, -1, 1, 1)) / (norm.running_var!.view(1, -1, 1, 1) + 1e-5).sqrt()
                     * norm.weight!.view(1, -1, 1, 1) + norm.bias!.view(1, -1, 1, 1);
        TensorAssert.Close(expected, byHand, rtol: 1e-4, atol: 1e-5);
        var (weight, bias) = BatchNormFolding.Fold(conv, norm);
        TensorAssert.Close(Convolutions.Apply(conv, x, weight, bias), expected, rtol: 1e-4, atol: 1e-5);
    }

    [Fact]
    public void ANormInTrainingModeIsRefused()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 3, kernel_size: 3, padding: 1);
        using var norm = nn.BatchNorm2d(3);
        var refused = Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold(conv, norm));
        Assert.Equal("norm", refused.ParamName);
        Assert.Contains("training mode", refused.Message);
    }

    [Fact]
    public void ATransposedConvolutionOfOnePixelIsTheMatrixProduct()
    {
        manual_seed(22);
        using var scope = NewDisposeScope();
        // The UNet's Unflatten: 1x1 to 7x7 with a 7x7 kernel of stride 7.
        using var conv = nn.ConvTranspose2d(6, 4, kernel_size: 7, stride: 7, padding: 0);
        var x = randn(3, 6, 1, 1);
        using var _ = inference_mode();
        var got = Convolutions.Apply(conv, x, conv.weight!, conv.bias);
        var expected = nn.functional.conv_transpose2d(x, conv.weight!, conv.bias, [7, 7]);
        Assert.Equal(new long[] { 3, 4, 7, 7 }, got.shape);
        TensorAssert.Close(got, expected, rtol: 1e-5, atol: 1e-6);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ABlockRunFoldedEqualsTheBlockCalled(bool evaluation)
    {
        manual_seed(23);
        using var scope = NewDisposeScope();
        using var block = Blocks.DownBlock(3, 5);
        NormStatistics.Randomise(block);
        block.train(!evaluation);
        var x = randn(4, 3, 8, 8);
        using var _ = no_grad();
        var expected = block.call(x);
        TensorAssert.Close(FoldedBlocks.Call(block, x), expected, rtol: 1e-4, atol: 1e-5);
    }

    [Fact]
    public void TheFoldFollowsWeightsChangedAfterAnEarlierCall()
    {
        manual_seed(24);
        using var scope = NewDisposeScope();
        using var block = Blocks.Conv(2, 3);
        block.eval();
        var x = randn(2, 2, 6, 6);
        using var _ = no_grad();
        var before = FoldedBlocks.Call(block, x);
        NormStatistics.Randomise(block);      // as further training would
        var after = FoldedBlocks.Call(block, x);
        Assert.False(after.allclose(before, rtol: 1e-3, atol: 1e-4), "the fold kept the weights of the first call");
        TensorAssert.Close(after, block.call(x), rtol: 1e-4, atol: 1e-5);
    }
}

static class NormStatistics
{
    /// <summary>Running statistics and affine parameters far from a fresh norm's (mean 0, variance 1, identity), so a wrong fold shows.</summary>
    public static void Randomise(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var norm in module.modules().Prepend(module).OfType<TorchSharp.Modules.BatchNorm2d>())
        {
            long c = norm.num_features;
            norm.running_mean!.copy_(randn(c) * 0.7);
            norm.running_var!.copy_(rand(c) * 2 + 0.3);
            norm.weight!.copy_(randn(c) * 0.5 + 1);
            norm.bias!.copy_(randn(c) * 0.4);
        }
    }
}

public class GeluTests
{
    [Fact]
    public void ChannelsLastInputGivesTheExactGeluInTheSameLayout()
    {
        manual_seed(14);
        using var scope = NewDisposeScope();
        var x = randn(2, 5, 4, 3) * 3;
        var cl = MemoryLayout.ChannelsLast(x);
        Assert.False(cl.is_contiguous());
        var y = ChannelsLastGelu.Apply(cl);
        Assert.True(MemoryLayout.IsChannelsLast(y), "GELU of a channels-last tensor came back in another layout");
        // GELU(x) = x Phi(x), with Phi from erf, written out here rather than taken from the library.
        var expected = x * 0.5 * (1 + special.erf(x / Math.Sqrt(2)));
        TensorAssert.Close(y, expected, rtol: 1e-5, atol: 1e-6);
        TensorAssert.Close(ChannelsLastGelu.Apply(x), expected, rtol: 1e-5, atol: 1e-6);
    }
}
