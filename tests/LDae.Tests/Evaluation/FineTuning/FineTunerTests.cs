using LDae.Evaluation.FineTuning;
using LDae.Method;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation.FineTuning;

public class FineTunerTests
{
    public FineTunerTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static readonly FineTuneOptions Tiny = new()
    {
        Epochs = 4, WarmupEpochs = 0.5, BatchSize = 32, BaseLr = 4e-3, LayerDecay = 0.75, DropPath = 0.1,
        Mix = new MixOptions(0.8, 1.0, 0.1), RandAugment = new RandAugmentOptions(2, 9, 0.5), EmaDecay = 0.9, EvalBatch = 64, Seed = 1,
    };

    [Fact]
    public void A_tiny_encoder_fine_tuned_with_the_whole_recipe_learns_a_separable_task_and_repeats_with_its_seed()
    {
        using var train = FineTuneFixtures.Separable(384, seed: 1);
        using var test = FineTuneFixtures.Separable(200, seed: 2);
        FineTuneResult Run()
        {
            using var mae = FineTuneFixtures.Mae(blocks: 2, seed: 3);
            return FineTuner.Run(mae, ProbeReadout.Paper, 16, train, test, 2, Tiny, CPU);
        }
        var first = Run();
        var again = Run();
        Assert.Equal(Tiny.Epochs, first.Curve.Count);
        Assert.Equal(Tiny.Epochs * (384 / 32), first.Steps);
        Assert.True(first.TestTop1 >= 90, $"top-1 {first.TestTop1}% (chance: 50%)");
        Assert.Equal(first.Curve, again.Curve);
    }

    [Fact]
    public void Fine_tuning_changes_the_encoder_and_leaves_no_drop_path_behind()
    {
        using var train = FineTuneFixtures.Separable(64, seed: 1);
        using var test = FineTuneFixtures.Separable(32, seed: 2);
        using var mae = FineTuneFixtures.Mae(blocks: 2, seed: 3);
        using var before = mae.Encoder.Blocks[1].parameters().First().clone();
        FineTuner.Run(mae, ProbeReadout.Paper, 16, train, test, 2, Tiny with { Epochs = 1 }, CPU);
        Assert.False(mae.Encoder.Blocks[1].parameters().First().allclose(before, rtol: 0, atol: 0));
        Assert.All(mae.Encoder.Blocks, b => Assert.Null(b.DropPath));
    }
}
