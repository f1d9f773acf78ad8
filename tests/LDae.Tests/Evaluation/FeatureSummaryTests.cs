using LDae.Data;
using LDae.Evaluation;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation;

/// <summary>The fingerprint of a probe's features: the mean and sample sd over every entry of the test split's matrix.</summary>
public class FeatureSummaryTests
{
    public FeatureSummaryTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void It_is_the_mean_and_the_sample_sd_over_every_entry()
    {
        // entries 1, 2, 3, 4, 5, 9: mean 4, squared deviations 9+4+1+0+1+25 = 40, sample variance 40/5 = 8
        using var features = tensor(new float[] { 1, 2, 3, 4, 5, 9 }).reshape(2, 3);
        var s = FeatureSummary.Of(features);
        Assert.Equal(4.0, s.Mean, 12);
        Assert.Equal(Math.Sqrt(8.0), s.Sd, 12);
    }

    [Fact]
    public void The_probe_records_the_summary_of_the_test_features_and_not_of_the_training_ones()
    {
        var names = Enumerable.Range(0, 2).Select(i => $"c{i}").ToArray();
        using var g1 = new Generator(1);
        using var g2 = new Generator(2);
        using var train = new ImageDataset("train", randint(0, 128, [12, 1, 4, 4], dtype: ScalarType.Byte, generator: g1), arange(12, dtype: ScalarType.Int64).remainder(2), names);
        using var test = new ImageDataset("test", randint(128, 256, [8, 1, 4, 4], dtype: ScalarType.Byte, generator: g2), arange(8, dtype: ScalarType.Int64).remainder(2), names);
        var protocol = new ProbeProtocol(ProbeFeatureMode.Cached, new ProbeOptions { Epochs = 1, WarmupEpochs = 0, BatchSize = 4, Seed = 3 }, 3) { ExtractBatch = 5 };

        var result = FrozenEncoderProbe.Run((x, _) => x.flatten(1).clone(), train, test, 2, protocol);

        using var testInput = ImageDataset.ToModelInput(test.Images);
        Assert.Equal(FeatureSummary.Of(testInput.flatten(1)), result.TestFeatures);
        using var trainInput = ImageDataset.ToModelInput(train.Images);
        Assert.NotEqual(FeatureSummary.Of(trainInput.flatten(1)).Mean, result.TestFeatures.Mean, 3);
    }
}
