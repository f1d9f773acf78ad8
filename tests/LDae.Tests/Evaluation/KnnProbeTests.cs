using LDae.Evaluation;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation;

public class KnnProbeTests
{
    public KnnProbeTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static Tensor Angles(params double[] radians) =>
        tensor(radians.SelectMany(a => new[] { (float)Math.Cos(a), (float)Math.Sin(a) }).ToArray(), new long[] { radians.Length, 2 });

    static long PredictOne(Tensor train, long[] labels, Tensor query, int k, double t)
    {
        using var y = tensor(labels);
        using var p = KnnProbe.Predict(train, y, query, numClasses: 3, k: k, temperature: t);
        return p.item<long>();
    }

    [Fact]
    public void ClusteredDataIsClassifiedCorrectly()
    {
        using var centres = ProbeData.Centres(16, 5, seed: 1);
        var (xtr, ytr) = ProbeData.Clusters(200, 16, 5, noise: 0.3, seed: 2, centres);
        var (xte, yte) = ProbeData.Clusters(100, 16, 5, noise: 0.3, seed: 3, centres);
        Assert.Equal(1.0, KnnProbe.Top1(xtr, ytr, xte, yte, 5));
        foreach (var t in new[] { xtr, ytr, xte, yte }) t.Dispose();
    }

    [Fact]
    public void TemperatureMovesBetweenNearestNeighbourAndMajorityVote()
    {
        // Query at angle 0. One class-0 point very close (cos 0.1 ≈ 0.995), four class-1 points further
        // (cos 0.5 ≈ 0.878), and class-2 points opposite.
        using var train = Angles(0.1, 0.5, -0.5, 0.5, -0.5, Math.PI, Math.PI);
        long[] labels = [0, 1, 1, 1, 1, 2, 2];
        using var query = Angles(0.0);
        Assert.Equal(0, PredictOne(train, labels, query, k: 5, t: 0.01));    // exp(−0.117/0.01) ≈ 8e-6 per far vote
        Assert.Equal(1, PredictOne(train, labels, query, k: 5, t: 100));     // weights ≈ 1: four votes beat one
        Assert.Equal(0, PredictOne(train, labels, query, k: 1, t: 100));     // k = 1 is the nearest neighbour
        Assert.Equal(0, PredictOne(train, labels, query, k: 5, t: 0.07));    // T = 0.07: 4·e^(−0.117/0.07) ≈ 0.75 < 1
        Assert.Equal(1, PredictOne(train, labels, query, k: 5, t: 0.2));     // T = 0.2: 4·e^(−0.585) ≈ 2.2 > 1
    }

    [Fact]
    public void TiesGoToTheLowerClassAndKIsCappedAtTheTrainingSetSize()
    {
        using var train = Angles(0.3, -0.3);
        using var query = Angles(0.0);
        Assert.Equal(1, PredictOne(train, [2, 1], query, k: 2, t: 0.07));
        Assert.Equal(1, PredictOne(train, [2, 1], query, k: 50, t: 0.07));
    }

    [Fact]
    public void BlockingTheQueriesDoesNotChangeTheAnswer()
    {
        using var centres = ProbeData.Centres(8, 3, seed: 5);
        var (xtr, ytr) = ProbeData.Clusters(50, 8, 3, noise: 3.0, seed: 6, centres);
        var (xte, _) = ProbeData.Clusters(23, 8, 3, noise: 3.0, seed: 7, centres);
        using var all = KnnProbe.Predict(xtr, ytr, xte, 3);
        using var blocked = KnnProbe.Predict(xtr, ytr, xte, 3, queryBlock: 4);
        Assert.Equal(all.data<long>().ToArray(), blocked.data<long>().ToArray());
        foreach (var t in new[] { xtr, ytr, xte }) t.Dispose();
    }
}
