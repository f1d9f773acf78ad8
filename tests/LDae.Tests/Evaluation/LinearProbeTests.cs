using LDae.Evaluation;
using LDae.Runtime;
using LDae.Tests.Training;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation;

public class LinearProbeTests
{
    public LinearProbeTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static readonly ProbeOptions Fast = new() { Epochs = 10, WarmupEpochs = 1, BatchSize = 256, Seed = 3 };

    [Fact]
    public void SeparableFeaturesAreClassifiedAlmostPerfectly()
    {
        using var centres = ProbeData.Centres(32, 10, seed: 1);
        var (xtr, ytr) = ProbeData.Clusters(2000, 32, 10, noise: 0.5, seed: 2, centres);
        var (xte, yte) = ProbeData.Clusters(1000, 32, 10, noise: 0.5, seed: 3, centres);
        var r = LinearProbe.Run(xtr, ytr, xte, yte, 10, Fast);
        Assert.True(r.TestTop1 >= 0.99, $"test top-1 {r.TestTop1}");
        Assert.True(r.TrainTop1 >= 0.99, $"train top-1 {r.TrainTop1}");
        Assert.Equal(10L * (2000 / 256), r.Steps);
        Assert.Equal(0.1 * 256 / 256, r.PeakLr, 12);
        foreach (var t in new[] { xtr, ytr, xte, yte }) t.Dispose();
    }

    [Fact]
    public void RandomLabelsGiveChanceOnTheTestSplit()
    {
        using var g = LDae.Training.Seeding.Generator(9, "random-labels");
        using var xtr = randn(new long[] { 2000, 32 }, generator: g);
        using var ytr = randint(0, 10, new long[] { 2000 }, generator: g);
        using var xte = randn(new long[] { 2000, 32 }, generator: g);
        using var yte = randint(0, 10, new long[] { 2000 }, generator: g);
        var r = LinearProbe.Run(xtr, ytr, xte, yte, 10, Fast);
        Assert.InRange(r.TestTop1, 0.05, 0.15);        // chance 0.10; the binomial std here is ≈ 0.007
        Assert.True(r.TrainTop1 > r.TestTop1);           // it can only memorise the training split
    }

    [Fact]
    public void HeadIsBatchNormWithoutAffineThenLinear()
    {
        using var g = LDae.Training.Seeding.Generator(0, "init");
        using var head = new LinearProbeHead(512, 100, generator: g);
        Assert.Equal(new[] { "head.weight", "head.bias" }, head.named_parameters().Select(p => p.name));  // no BN γ/β
        Assert.Contains("norm.running_mean", head.named_buffers().Select(b => b.name));
        var w = head.named_parameters().First().parameter;
        Assert.InRange(w.std().item<float>(), 0.0095, 0.0105);                  // trunc-normal std 0.01
        Assert.Equal(0f, head.named_parameters().Last().parameter.abs().max().item<float>());   // bias 0

        // The BN standardises: in training mode, a per-feature affine change of the input does not change the output.
        using var x = randn(new long[] { 64, 512 }, generator: g);
        using var scale = rand(new long[] { 512 }, generator: g).add_(0.5);
        head.train();
        using var a = head.forward(x);
        using var b = head.forward(x * scale * 100 + 7);
        Assert.True(a.allclose(b, rtol: 1e-3, atol: 1e-4));
    }

    [Fact]
    public void SameSeedSameResultOtherSeedOtherResult()
    {
        using var centres = ProbeData.Centres(16, 5, seed: 1);
        var (xtr, ytr) = ProbeData.Clusters(600, 16, 5, noise: 3.0, seed: 2, centres);
        var (xte, yte) = ProbeData.Clusters(300, 16, 5, noise: 3.0, seed: 3, centres);
        var o = Fast with { Epochs = 3, BatchSize = 100 };
        var a = LinearProbe.Run(xtr, ytr, xte, yte, 5, o);
        var b = LinearProbe.Run(xtr, ytr, xte, yte, 5, o);
        var c = LinearProbe.Run(xtr, ytr, xte, yte, 5, o with { Seed = 4 });
        Assert.Equal(a, b);                                   // every number identical
        Assert.NotEqual(a.FinalTrainLoss, c.FinalTrainLoss);
        foreach (var t in new[] { xtr, ytr, xte, yte }) t.Dispose();
    }
}
