using LDae.Data;
using LDae.Evaluation;
using LDae.Rows;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Models;
using LDae.Tokenizers.Learned;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Estimates;

/// <summary>A part of a target's work: the kind and shape of the work, what it is, and its FLOPs.</summary>
public sealed record Work(Workload Workload, string Description, double Flops);

/// <summary>Training and test images of a configuration (after the profile's subsets) and their side in pixels.</summary>
public sealed record DatasetSize(long Train, long Test, int ImageSize)
{
    /// <summary>The sizes a row will load, without loading it: the known splits of Fashion-MNIST and CIFAR-10, or a
    /// count of an ImageFolder's files; capped by data.train_subset / data.test_subset.</summary>
    public static DatasetSize Of(ConfigTree c, string repoRoot)
    {
        var (train, test, native) = c.Text("data.dataset") switch
        {
            FashionMnist.Name => (60_000L, 10_000L, 28),
            Cifar10Binary.Name => (50_000L, 10_000L, 32),
            _ => ImageFolderSize(c, repoRoot),
        };
        if (c.IntOrNull("data.train_subset") is { } nTrain) train = Math.Min(train, nTrain);
        if (c.IntOrNull("data.test_subset") is { } nTest) test = Math.Min(test, nTest);
        return new DatasetSize(train, test, c.IntOrNull("data.image_size") is { } s ? (int)s : native);
    }

    static (long, long, int) ImageFolderSize(ConfigTree c, string repoRoot)
    {
        var path = c.TextOrNull("data.path") is { } p ? Harness.Repo.ResolvePath(p, repoRoot) : null;
        if (path is null || !Directory.Exists(path))
            throw new ConfigException("config", "data.path", $"'{path}' is not an ImageFolder directory the estimate can count", "an extracted ImageFolder (train/ and val/ or test/)");
        long Count(string split) => Directory.Exists(Path.Combine(path, split))
            ? Directory.EnumerateFiles(Path.Combine(path, split), "*", SearchOption.AllDirectories).LongCount() : 0;
        long test = Count("val");
        return (Count("train"), test > 0 ? test : Count("test"), (int)(c.IntOrNull("data.image_size") ?? 256));
    }
}

/// <summary>
/// The work of a build target, counted from its resolved configuration the way the row will run it: the pretraining
/// steps (<see cref="TrainOptions.ResolveTotalSteps"/>), the probe's feature passes, the linear probe's epochs and the kNN
/// comparisons; for a tokenizer artifact the PCA fit, or the learned tokenizer's steps in each phase, its evaluation
/// passes and, for the first artifact that needs it, the perceptual network. FLOPs follow <see cref="BackboneFlops"/>
/// (denoiser, 3 × forward per training image) and <see cref="TokenizerStepFlops"/> (learned tokenizers).
/// </summary>
public static class WorkModel
{
    /// <summary>
    /// How many times the probe computes the training set's features: once with cached features; with augmented
    /// features once for the fixed (center-crop) view kNN uses and once more every probe epoch, on that epoch's random
    /// crops (<see cref="FrozenEncoderProbe"/>).
    /// </summary>
    public static int ProbeFeaturePasses(ConfigTree c) =>
        c.Text("probe.features") == "augmented" ? 1 + (int)c.Int("probe.epochs") : 1;

    /// <param name="probeOnly">The row re-probes another row's pretrained weights (<c>PretrainingSource</c>): no pretraining of its own.</param>
    public static IReadOnlyList<Work> Row(ConfigTree c, DatasetSize data, bool probeOnly = false)
    {
        var work = new List<Work>();
        string encoder = c.Text("probe.encoder");
        int classes = 10, width = (int)c.Int("backbone.width");
        if (encoder != "raw-pixels")
        {
            var shape = RunSettings.Backbone(c, data.ImageSize);
            double forward = BackboneFlops.PerImage(shape);
            if (encoder == "trained" && !probeOnly)
            {
                var train = RunSettings.Train(c);
                long stepsPerEpoch = data.Train / train.BatchSize;
                long steps = train.ResolveTotalSteps((int)stepsPerEpoch);
                work.Add(new Work(Workload.For(WorkKind.Pretrain, c), $"pretrain {steps:N0} steps × {train.BatchSize}", 3 * forward * steps * train.BatchSize));
            }
            if (FineTuneSettings.Enabled(c))
            {
                work.AddRange(FineTuneWork.Of(c, data));
                return work;
            }
            // the probe reads the encoder (the first half of the blocks)
            double encoderFlops = forward * shape.EncoderDepth / shape.Depth;
            long images = ProbeFeaturePasses(c) * data.Train + data.Test;
            work.Add(new Work(Workload.For(WorkKind.Features, c), $"features of {images:N0} images", encoderFlops * images));
        }
        else width = (int)c.Int("data.channels") * data.ImageSize * data.ImageSize;
        long epochs = c.Int("probe.epochs");
        work.Add(new Work(Workload.For(WorkKind.LinearProbe, c), $"linear probe {epochs} epochs", LinearProbeFlops(width, classes) * epochs * data.Train));
        work.Add(new Work(Workload.For(WorkKind.Knn, c), $"kNN {data.Test:N0} × {data.Train:N0}", 2.0 * width * data.Test * data.Train));
        return work;
    }

    /// <summary>FLOPs per image and epoch of the linear probe: forward, input and weight gradients of one linear layer.</summary>
    public static double LinearProbeFlops(int width, int classes) => 3 * 2.0 * width * classes;

    /// <summary>The artifact's work; <paramref name="withPerceptualNetwork"/> adds training the perceptual network it needs.</summary>
    public static IReadOnlyList<Work> Tokenizer(ConfigTree c, DatasetSize data, bool withPerceptualNetwork)
    {
        string kind = c.Text("tokenizer.kind");
        long fit = Math.Min(c.Int("tokenizer.fit_images"), data.Train);
        int channels = (int)c.Int("data.channels");
        if (kind == "pca")
        {
            int patch = (int)c.Int("tokenizer.patch");
            double patchDim = patch * patch * channels, patches = (double)(data.ImageSize / patch) * (data.ImageSize / patch);
            return [new Work(Workload.For(WorkKind.PcaFit, c), $"PCA fit on {fit:N0} images", PcaFlopsPerImage(patches, patchDim) * fit)];
        }
        var spec = TokenizerArtifacts.LearnedSpec(c);
        var flops = StepFlops(spec, channels, data.ImageSize, out double tokenizerForward, out double perceptualForward);
        long stepsPerEpoch = (fit + spec.BatchSize - 1) / spec.BatchSize, total = stepsPerEpoch * spec.Epochs;
        long adversarialStart = spec.Adversarial ? spec.AdversarialStartStep ?? total / 2 : total;
        var work = new List<Work>
        {
            new(Workload.For(WorkKind.TokenizerReconstruction, c), $"{adversarialStart:N0} steps × {spec.BatchSize}",
                flops.ReconstructionStep * spec.BatchSize * adversarialStart),
        };
        if (total > adversarialStart)
            work.Add(new Work(Workload.For(WorkKind.TokenizerAdversarial, c), $"{total - adversarialStart:N0} adversarial steps × {spec.BatchSize}",
                flops.AdversarialStep * spec.BatchSize * (total - adversarialStart)));
        // latent moments over the fit images, PSNR and latents on the test split: forward passes at the step's rate
        work.Add(new Work(Workload.For(WorkKind.TokenizerReconstruction, c), "latent scale and test PSNR",
            tokenizerForward * (fit + 2 * data.Test)));
        if (spec.Perceptual && withPerceptualNetwork)
        {
            var p = spec.PerceptualNetwork;
            work.Add(new Work(Workload.For(WorkKind.PerceptualNetwork, c), $"perceptual network {p.Epochs} epochs",
                3 * perceptualForward * fit * p.Epochs + perceptualForward * data.Test));
        }
        return work;
    }

    /// <summary>FLOPs per image of the patch covariance: each patch's outer product (D² multiply-adds).</summary>
    public static double PcaFlopsPerImage(double patches, double patchDim) => 2 * patches * patchDim * patchDim;

    /// <summary>A learned tokenizer's step FLOPs, and its forward and the perceptual network's per image, from untrained networks of the spec's shape.</summary>
    static TokenizerStepFlops StepFlops(LearnedTokenizerSpec spec, int channels, int size, out double tokenizerForward, out double perceptualForward)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(0, CPU);
        using var model = LearnedTokenizerTrainer.Create(spec, channels, g);
        using var perceptual = spec.Perceptual ? new PerceptualNetwork(channels, 10, spec.PerceptualNetwork.Widths) : null;
        using var discriminator = spec.Adversarial ? new PatchDiscriminator(channels, spec.DiscriminatorWidth, spec.DiscriminatorLayers) : null;
        tokenizerForward = ConvFlops.TokenizerPerImage(model, size);
        perceptualForward = perceptual?.FeatureFlops(size) ?? 0;
        return TokenizerStepFlops.For(model, perceptual, discriminator, size);
    }
}
