using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

public sealed class DataParallelTests : IDisposable
{
    readonly Tensor x, y;

    public DataParallelTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        (x, y) = Synthetic.Regression(n: 32);
    }

    public void Dispose()
    {
        x.Dispose();
        y.Dispose();
    }

    Batch FullBatch => new(x, y);

    /// <summary>Mean squared error with no randomness: the full-batch gradient is the reference for any split.</summary>
    static Func<Batch, Generator, StepLoss> PlainMse(TinyMlp model) => (batch, _) =>
    {
        var err = (model.forward(batch.X) - batch.Y!).pow(2);
        var first = err.narrow(1, 0, 2).mean();
        return new StepLoss(err.mean(), new Dictionary<string, Tensor> { ["first"] = first });
    };

    static Parameter[] Trainable(nn.Module m) => m.parameters().Where(p => p.requires_grad).ToArray();

    /// <summary>Copies of every parameter's .grad (null where there is none).</summary>
    static Tensor?[] Grads(nn.Module m) => Trainable(m).Select(p => p.grad is { } g ? g.clone() : null).ToArray();

    static void ClearGrads(nn.Module m)
    {
        foreach (var p in Trainable(m)) p.grad = null;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]   // 32 = 11 + 11 + 10: unequal shards are weighted by their share
    public void SummedShardGradientsEqualTheFullBatchGradient(int replicas)
    {
        using var model = Synthetic.Model(3);
        var objective = PlainMse(model);

        ClearGrads(model);
        var reference = objective(FullBatch, null!);
        reference.Loss.backward();
        var expected = Grads(model);
        double expectedLoss = reference.Loss.item<float>();
        double expectedFirst = reference.Parts!["first"].item<float>();

        ClearGrads(model);
        using var parallel = new DataParallel(Trainable(model), replicas);
        var values = parallel.ComputeGradients(FullBatch, seed: 0, step: 0, objective);
        var actual = Grads(model);

        Assert.Equal(replicas, values.Shards.Count);
        Assert.Equal(expectedLoss, values.Loss, 5);
        Assert.Equal(expectedFirst, values.Parts["first"], 5);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(actual[i]!.allclose(expected[i]!, rtol: 1e-5, atol: 1e-6), $"parameter {i} differs");
    }

    [Fact]
    public void OneReplicaIsThePlainBackwardPassBitForBit()
    {
        using var model = Synthetic.Model(3);
        var objective = Synthetic.NoisyMse(model);

        ClearGrads(model);
        using (var g = Seeding.ForStep(9, 4)) objective(FullBatch, g).Loss.backward();
        var expected = Grads(model);

        ClearGrads(model);
        using var parallel = new DataParallel(Trainable(model), replicas: 1);
        parallel.ComputeGradients(FullBatch, seed: 9, step: 4, objective);
        var actual = Grads(model);
        for (int i = 0; i < expected.Length; i++) Assert.True(Synthetic.Same(expected[i]!, actual[i]!), $"parameter {i} differs");
    }

    [Fact]
    public void TwoReplicasGiveTheSameBitsEveryTime()
    {
        using var model = Synthetic.Model(3);
        var objective = Synthetic.NoisyMse(model);
        using var parallel = new DataParallel(Trainable(model), replicas: 2);
        var first = parallel.ComputeGradients(FullBatch, seed: 9, step: 4, objective);
        var expected = Grads(model);
        for (int repeat = 0; repeat < 5; repeat++)
        {
            ClearGrads(model);   // the caller's zero_grad: gradients accumulate, as with backward()
            var again = parallel.ComputeGradients(FullBatch, seed: 9, step: 4, objective);
            Assert.Equal(first.Loss, again.Loss);
            var actual = Grads(model);
            for (int i = 0; i < expected.Length; i++) Assert.True(Synthetic.Same(expected[i]!, actual[i]!));
        }
        // another step draws other noise
        Assert.NotEqual(first.Loss, parallel.ComputeGradients(FullBatch, seed: 9, step: 5, objective).Loss);
    }

    [Fact]
    public void AParameterNoShardUsesKeepsItsGradient()
    {
        using var model = Synthetic.Model(3);
        var unused = new Parameter(ones(3));
        var parameters = Trainable(model).Append(unused).ToArray();
        using var parallel = new DataParallel(parameters, replicas: 2);
        parallel.ComputeGradients(FullBatch, seed: 0, step: 0, PlainMse(model));
        Assert.Null(unused.grad);
        Assert.All(Trainable(model), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void AFailingReplicaFailsTheStepAndTheWorkersSurvive()
    {
        using var model = Synthetic.Model(3);
        var good = PlainMse(model);
        Func<Batch, Generator, StepLoss> bad = (batch, g) =>
            batch.X.shape[0] < 32 && g.initial_seed() != Seeding.ForStep(0, 0).initial_seed()
                ? throw new InvalidOperationException("shard 1 broke")
                : good(batch, g);
        using var parallel = new DataParallel(Trainable(model), replicas: 2);
        var error = Assert.Throws<InvalidOperationException>(() => parallel.ComputeGradients(FullBatch, 0, 0, bad));
        Assert.Contains("shard 1 broke", error.Message);
        Assert.True(double.IsFinite(parallel.ComputeGradients(FullBatch, 0, 0, good).Loss));
    }

    [Fact]
    public void TheCallingThreadGetsItsThreadCountBack()
    {
        using var model = Synthetic.Model(3);
        int before = get_num_threads();
        set_num_threads(2);
        try
        {
            using (var parallel = new DataParallel(Trainable(model), replicas: 2))
                Assert.Equal(1, get_num_threads());
            Assert.Equal(2, get_num_threads());
        }
        finally { set_num_threads(before); }
    }

    [Fact]
    public void ShardsAreAsEqualAsPossible()
    {
        Assert.Equal([128, 128], DataParallel.ShardSizes(256, 2));
        Assert.Equal([11, 11, 10], DataParallel.ShardSizes(32, 3));
        Assert.Equal([5], DataParallel.ShardSizes(5, 1));
        Assert.Throws<ArgumentException>(() => DataParallel.ShardSizes(1, 2));
    }

    [Fact]
    public void ShardZeroDrawsWhatTheStepDraws()
    {
        Assert.Equal(Seeding.ForStep(3, 10).initial_seed(), Seeding.ForShard(3, 10, 0).initial_seed());
        Assert.NotEqual(Seeding.ForShard(3, 10, 0).initial_seed(), Seeding.ForShard(3, 10, 1).initial_seed());
        Assert.NotEqual(Seeding.ForShard(3, 10, 1).initial_seed(), Seeding.ForShard(3, 11, 1).initial_seed());
    }
}
