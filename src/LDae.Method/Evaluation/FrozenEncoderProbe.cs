using LDae.Data;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// A frozen encoder as the probe calls it: a batch of model input (N×C×H×W, float in [−1, 1]) and the generator
/// that draws the noise of noisy input (ignored by encoders without one) → N×F features.
/// </summary>
public delegate Tensor FrozenEncoder(Tensor input, Generator noise);

/// <summary>How a row probes: cached or augmented features, the linear probe's recipe and kNN's k.</summary>
public sealed record ProbeProtocol(ProbeFeatureMode Features, ProbeOptions Linear, int KnnK)
{
    /// <summary>Images per forward pass of the frozen encoder (on the CPU: <see cref="FeatureExtractor.CpuBatch"/>).</summary>
    public int ExtractBatch { get; init; } = FeatureExtractor.DefaultBatch;
}

/// <summary>Top-1 of the linear probe (with its train top-1 and steps) and of kNN, and the summary of the test split's fixed features.</summary>
public sealed record FrozenProbeResult(ProbeResult Linear, double KnnTop1, FeatureSummary TestFeatures);

/// <summary>
/// The linear probe and kNN on a frozen encoder. Each split has one fixed view — the stored images (cached) or
/// MAE's center crop (augmented) — on which kNN runs and the linear probe is tested; the linear probe trains on
/// that fixed view (cached) or, every epoch, on new random crops and flips pushed through the encoder again
/// (augmented). Every draw comes from a generator seeded by (seed, purpose, index), so a row's probe is a
/// function of its seed.
/// </summary>
/// <remarks>
/// Noise for noisy input: one draw per image and split for the fixed views ("probe-noise/train", "probe-noise/test"),
/// a new one per epoch for the augmented training views ("probe-noise/epoch", e), as training draws new noise for
/// every look at an image. Crops: "probe-augment", e. Extraction runs under no_grad in batches
/// (<see cref="FeatureExtractor"/>); the encoder is in eval mode.
/// </remarks>
public static class FrozenEncoderProbe
{
    public static FrozenProbeResult Run(FrozenEncoder encoder, ImageDataset train, ImageDataset test, int numClasses, ProbeProtocol p)
    {
        using var trainFixed = FixedFeatures(encoder, train.Images, "train", p);
        using var testFixed = FixedFeatures(encoder, test.Images, "test", p);
        var linear = p.Features == ProbeFeatureMode.Cached
            ? LinearProbe.Run(trainFixed, train.Labels, testFixed, test.Labels, numClasses, p.Linear)
            : LinearProbe.Run(epoch => EpochFeatures(encoder, train.Images, epoch, p), train.Labels, trainFixed, testFixed, test.Labels, numClasses, p.Linear);
        double knn = KnnProbe.Top1(trainFixed, train.Labels, testFixed, test.Labels, numClasses, p.KnnK);
        return new FrozenProbeResult(linear, knn, FeatureSummary.Of(testFixed));
    }

    /// <summary>Features of a split's fixed view (uint8 images N×C×H×W): the stored images, or MAE's center crop when augmented.</summary>
    public static Tensor FixedFeatures(FrozenEncoder encoder, Tensor images, string split, ProbeProtocol p)
    {
        using var noise = Seeding.Generator(p.Linear.Seed, $"probe-noise/{split}");
        Func<Tensor, Tensor> toInput = p.Features == ProbeFeatureMode.Cached
            ? ImageDataset.ToModelInput
            : x => ProbeTransforms.Test(ImageDataset.ToModelInput(x));
        return FeatureExtractor.Extract(x => encoder(x, noise), images, p.ExtractBatch, toInput);
    }

    /// <summary>Features of epoch <paramref name="epoch"/>'s augmented view of the training images.</summary>
    public static Tensor EpochFeatures(FrozenEncoder encoder, Tensor images, int epoch, ProbeProtocol p)
    {
        using var crops = Seeding.Generator(p.Linear.Seed, "probe-augment", epoch);
        using var noise = Seeding.Generator(p.Linear.Seed, "probe-noise/epoch", epoch);
        return FeatureExtractor.Extract(x => encoder(x, noise), images, p.ExtractBatch,
            x => ProbeTransforms.Train.Apply(ImageDataset.ToModelInput(x), crops));
    }
}
