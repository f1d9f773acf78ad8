using LDae.Evaluation;
using LDae.Runtime;
using LDae.Training;
using Xunit;

namespace LDae.Tests.Evaluation;

/// <summary>The linear probe with features recomputed per epoch (the augmented probe) and with LARS.</summary>
public class LinearProbeProtocolTests
{
    public LinearProbeProtocolTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static readonly ProbeOptions Fast = new() { Epochs = 6, WarmupEpochs = 1, BatchSize = 200, Seed = 3 };

    [Fact]
    public void Per_epoch_features_are_asked_for_once_per_epoch_in_order_and_the_same_features_give_the_cached_probe()
    {
        using var centres = ProbeData.Centres(16, 5, seed: 1);
        var (xtr, ytr) = ProbeData.Clusters(600, 16, 5, noise: 3.0, seed: 2, centres);
        var (xte, yte) = ProbeData.Clusters(300, 16, 5, noise: 3.0, seed: 3, centres);
        var asked = new List<int>();
        var perEpoch = LinearProbe.Run(e => { asked.Add(e); return xtr.clone(); }, ytr, xtr, xte, yte, 5, Fast);
        var cached = LinearProbe.Run(xtr, ytr, xte, yte, 5, Fast);
        Assert.Equal(Enumerable.Range(0, Fast.Epochs), asked);
        Assert.Equal(cached, perEpoch);
        foreach (var t in new[] { xtr, ytr, xte, yte }) t.Dispose();
    }

    [Fact]
    public void Train_top1_is_measured_on_the_given_test_time_view_of_the_training_images()
    {
        using var centres = ProbeData.Centres(16, 5, seed: 1);
        var (xtr, ytr) = ProbeData.Clusters(600, 16, 5, noise: 0.5, seed: 2, centres);
        var (xte, yte) = ProbeData.Clusters(300, 16, 5, noise: 0.5, seed: 3, centres);
        using var other = xtr.neg();
        // trains on xtr every epoch; the training images' test-time view is given as −xtr, which the head gets wrong
        var r = LinearProbe.Run(_ => xtr.clone(), ytr, other, xte, yte, 5, Fast);
        Assert.True(r.TestTop1 > 0.95, $"test top-1 {r.TestTop1}");
        Assert.True(r.TrainTop1 < 0.5, $"train top-1 {r.TrainTop1}");
        foreach (var t in new[] { xtr, ytr, xte, yte }) t.Dispose();
    }

    [Fact]
    public void A_LARS_probe_at_MAEs_learning_rate_separates_separable_features()
    {
        using var centres = ProbeData.Centres(32, 10, seed: 1);
        var (xtr, ytr) = ProbeData.Clusters(2000, 32, 10, noise: 0.5, seed: 2, centres);
        var (xte, yte) = ProbeData.Clusters(1000, 32, 10, noise: 0.5, seed: 3, centres);
        // MAE: lr 6.4 (base 0.1 × 16384/256); a step moves the weight matrix by 6.4·0.001 = 0.64 % of its norm.
        var o = new ProbeOptions { Epochs = 30, WarmupEpochs = 3, BatchSize = 256, BaseLr = 6.4, LrScaling = LrScaling.None, Optimizer = ProbeOptimizer.Lars, Seed = 3 };
        var lars = LinearProbe.Run(xtr, ytr, xte, yte, 10, o);
        Assert.True(lars.TestTop1 >= 0.95, $"test top-1 {lars.TestTop1}");
        Assert.Equal(6.4, lars.PeakLr);
        var sgd = LinearProbe.Run(xtr, ytr, xte, yte, 10, o with { Optimizer = ProbeOptimizer.Sgd, BaseLr = 0.1 });
        Assert.NotEqual(lars.FinalTrainLoss, sgd.FinalTrainLoss);
        foreach (var t in new[] { xtr, ytr, xte, yte }) t.Dispose();
    }
}
