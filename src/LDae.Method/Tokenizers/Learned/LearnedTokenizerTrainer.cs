using LDae.Files;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Trains a conv VAE, patch-wise VAE or patch-wise AE (<see cref="TokenizerTrainingLoop"/>) and writes it as an
/// artifact folder (<see cref="LearnedTokenizerArtifactWriter"/>).
/// </summary>
/// <remarks>
/// <para>Loss per image, LDM's normalisation (sums over an image, mean over the batch):
/// rec = Σ_pixels |x − x̂| (conv VAE, LDM's L1) or (x − x̂)² (patch-wise, the paper's L2) + w_p · LPIPS(x, x̂) · C·H·W (LDM adds the perceptual distance to every
/// pixel's L1 term); total = rec + β · KL(q(z|x) ‖ N(0, I)) + [step ≥ start] · w_d · λ · (−mean D(x̂)), with
/// VQGAN's adaptive λ = ‖∇_L rec‖ / (‖∇_L g‖ + 10⁻⁴) at the decoder's last layer L. LDM's learned scalar
/// log-variance on the reconstruction term is left out (it starts at 0 and only rescales the loss).</para>
/// <para>The discriminator (hinge loss) trains in the same steps as the adversarial term, after the autoencoder's
/// update, on x and x̂ detached (<see cref="TokenizerTrainingStep"/>). Both use AdamW with β = (0.5, 0.9), as
/// VQGAN/LDM's Adam.</para>
/// <para>Randomness: initial weights, the batch order of each epoch and the posterior samples of each step come
/// from generators derived from (seed, purpose, epoch/step), so a run is reproducible bit for bit on one machine.</para>
/// <para>After training the scale factor s = 1 / std of the training latents (posterior means, all values pooled),
/// LDM's scale_factor, is stored in the tokenizer: the denoiser sees unit-variance latents.</para>
/// <para>Not resumable: a run restarts from scratch (it takes seconds to minutes at the CPU profiles).</para>
/// </remarks>
public static class LearnedTokenizerTrainer
{
    public const string PerceptualWeightsFile = "perceptual.bin";
    public const string PerceptualInfoFile = "perceptual.json";

    /// <summary>
    /// Trains the tokenizer <paramref name="spec"/> describes on uint8 images N×C×H×W (labels only train the
    /// perceptual network), evaluates it on the test split, writes the artifact into <paramref name="artifactDir"/>
    /// and returns the trained, frozen tokenizer.
    /// </summary>
    public static ITokenizer Train(LearnedTokenizerSpec spec, Tensor trainImagesUint8, Tensor trainLabels,
        Tensor testImagesUint8, Tensor testLabels, string artifactDir, TextWriter log)
    {
        spec.Validate();
        // oneDNN's convolution backward pass is not safe on every CPU (see OneDnnConvolution)
        using var convolutions = LDae.Runtime.OneDnnConvolution.Disabled();
        CheckImages(trainImagesUint8, spec, "train");
        CheckImages(testImagesUint8, spec, "test");
        if (trainImagesUint8.shape[1] != testImagesUint8.shape[1] || trainImagesUint8.shape[2] != testImagesUint8.shape[2])
            throw new ArgumentException("train and test images must have the same channels and size");

        int channels = (int)trainImagesUint8.shape[1];
        int size = (int)trainImagesUint8.shape[2];
        long n = trainImagesUint8.shape[0];
        string tag = $"[{spec.Kind}]";

        LearnedTokenizerArtifactWriter.WithdrawCompleteMarker(artifactDir);

        PerceptualNetwork? perceptual = null;
        double? perceptualAccuracy = null;
        string? perceptualDir = null;
        LearnedTokenizer? model = null;
        PatchDiscriminator? discriminator = null;
        try
        {
            if (spec.Perceptual)
            {
                (perceptual, perceptualDir) = ObtainPerceptualNetwork(spec, trainImagesUint8, trainLabels, testImagesUint8, testLabels, artifactDir, log);
                perceptualAccuracy = perceptual.TestAccuracy;
            }

            var watch = Stopwatch.StartNew();
            using (var init = TrainingData.Generator(spec.Seed, "tokenizer-init")) model = Create(spec, channels, init);
            if (spec.Adversarial)
                using (var dInit = TrainingData.Generator(spec.Seed, "discriminator-init"))
                    discriminator = PatchDiscriminator.Create(channels, dInit, spec.DiscriminatorWidth, spec.DiscriminatorLayers);

            long stepsPerEpoch = (n + spec.BatchSize - 1) / spec.BatchSize;
            long totalSteps = stepsPerEpoch * spec.Epochs;
            long adversarialStart = spec.AdversarialStartStep ?? totalSteps / 2;
            log.WriteLine($"{tag} p={spec.Patch} d={spec.LatentDim} C={channels} {size}×{size}: {model.ParameterCount:N0} parameters, " +
                          $"{n} images, {spec.Epochs} epochs × {stepsPerEpoch} steps, batch {spec.BatchSize}, lr {spec.Lr:G3}" +
                          (spec.Perceptual ? $", perceptual (w={spec.PerceptualWeight})" : "") +
                          (spec.Adversarial ? $", adversarial from step {adversarialStart} (w={spec.DiscriminatorWeight})" : ""));

            using var training = new TokenizerTrainingStep(spec, model, perceptual, discriminator);
            double lastLoss = TokenizerTrainingLoop.Run(spec, training, trainImagesUint8, discriminator is not null, adversarialStart, totalSteps, watch, log);

            var (mean, std) = LatentMoments(model, trainImagesUint8);
            if (!(std > 0) || double.IsNaN(std)) throw new InvalidOperationException($"{tag} degenerate latents (std {std}); training diverged?");
            model.ScaleFactor = 1.0 / std;
            model.Freeze();
            double trainSeconds = watch.Elapsed.TotalSeconds;
            var test = Evaluate(model, testImagesUint8);
            log.WriteLine($"{tag} trained in {trainSeconds:F1}s ({totalSteps * spec.BatchSize * 1.0 / trainSeconds:F0} images/s); scale factor {model.ScaleFactor:G4} " +
                          $"(train latent mean {mean:G3}, std {std:G3}); test PSNR {test.Psnr:F2} dB, scaled test latent std {test.LatentStd:F3}" +
                          (test.PosteriorStd is { } ps ? $", posterior std {ps:G3} (scaled)" : ""));

            LearnedTokenizerArtifactWriter.Write(artifactDir, spec, model, new TokenizerTrainingOutcome(
                channels, size, totalSteps, spec.Adversarial ? adversarialStart : null, (int)n, (int)testImagesUint8.shape[0],
                test, mean, std, perceptualAccuracy, perceptualDir, lastLoss, trainSeconds));
            var result = model;
            model = null;
            return result;
        }
        finally
        {
            model?.Dispose();
            discriminator?.Dispose();
            perceptual?.Dispose();
        }
    }

    /// <summary>Loads a complete artifact (one whose <c>artifact.json</c> exists); the kind is read from the weights' header.</summary>
    public static ITokenizer Load(string artifactDir)
    {
        if (!File.Exists(Path.Combine(artifactDir, LearnedTokenizerArtifact.FileName)))
            throw new FileNotFoundException($"{artifactDir} is not a complete tokenizer artifact (no {LearnedTokenizerArtifact.FileName})");
        return LearnedTokenizer.Load(Path.Combine(artifactDir, LearnedTokenizerArtifact.WeightsFileName));
    }

    /// <summary>An untrained tokenizer of the spec's kind, weights drawn from <paramref name="g"/>.</summary>
    public static LearnedTokenizer Create(LearnedTokenizerSpec spec, int imageChannels, Generator g) => spec.Kind switch
    {
        ConvVae.KindName => ConvVae.Create(spec.Patch, spec.LatentDim, imageChannels, spec.ConvArchitecture, g),
        PatchVae.KindName => PatchVae.Create(spec.Patch, spec.LatentDim, imageChannels, g),
        PatchAe.KindName => PatchAe.Create(spec.Patch, spec.LatentDim, imageChannels, g),
        _ => throw new ArgumentException($"unknown learned tokenizer kind '{spec.Kind}'"),
    };

    /// <summary>The terms of one training step (all scalars, per image; <see cref="Reconstruction"/> is x̂).</summary>
    public sealed record LossTerms(Tensor Total, Tensor Pixel, Tensor? Perceptual, Tensor? Kl, Tensor? Generator, double AdaptiveWeight, Tensor Reconstruction);

    /// <summary>
    /// The autoencoder's loss on a batch x (float, [-1, 1]): encode, sample z with the reparameterisation (VAEs;
    /// the AE uses its code), decode, and add the terms described on the class. <paramref name="discriminator"/>
    /// non-null switches the adversarial term on.
    /// </summary>
    public static LossTerms Loss(LearnedTokenizer model, Tensor x, LearnedTokenizerSpec spec, PerceptualNetwork? perceptual,
        PatchDiscriminator? discriminator, Generator g)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0];
        double pixelsPerImage = x.shape[1] * x.shape[2] * x.shape[3];
        var (mean, logVar) = model.Posterior(x);
        var z = logVar is null ? mean : DiagonalGaussian.Sample(mean, logVar, g);
        var xr = model.DecodeUnscaled(z);

        var diff = xr - x;
        var pixel = (spec.ReconstructionLossOfKind == ReconstructionLoss.L1 ? diff.abs() : diff.square()).sum() / batch;
        Tensor? perceptualTerm = perceptual is null ? null : perceptual.Distance(x, xr).mean();
        var rec = perceptualTerm is null ? pixel : pixel + spec.PerceptualWeight * pixelsPerImage * perceptualTerm;

        Tensor? kl = logVar is null ? null : DiagonalGaussian.Kl(mean, logVar).mean();
        var total = kl is null ? rec : rec + spec.KlWeight * kl;

        Tensor? generator = null;
        double lambda = 0;
        if (discriminator is not null)
        {
            generator = HingeGanLoss.Generator(discriminator.forward(xr));
            lambda = spec.DiscriminatorWeight * AdaptiveWeight.Compute(rec, generator, model.DecoderLastLayerWeight);
            total = total + lambda * generator;
        }
        return new LossTerms(total.MoveToOuterDisposeScope(), pixel.MoveToOuterDisposeScope(), perceptualTerm?.MoveToOuterDisposeScope(),
            kl?.MoveToOuterDisposeScope(), generator?.MoveToOuterDisposeScope(), lambda, xr.MoveToOuterDisposeScope());
    }

    /// <summary>Mean and standard deviation of all values of the (unscaled) posterior means over uint8 images.</summary>
    public static (double Mean, double Std) LatentMoments(LearnedTokenizer model, Tensor imagesUint8, int chunk = 256)
    {
        using var _ = no_grad();
        double sum = 0, sumSq = 0;
        long count = 0;
        long n = imagesUint8.shape[0];
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            var z = model.Posterior(TrainingData.ToModelInput(imagesUint8.narrow(0, start, Math.Min(chunk, n - start)))).Mean.to_type(ScalarType.Float64);
            sum += z.sum().item<double>();
            sumSq += z.square().sum().item<double>();
            count += z.numel();
        }
        double mean = sum / count;
        double variance = Math.Max(0, sumSq / count - mean * mean) * count / Math.Max(1, count - 1);
        return (mean, Math.Sqrt(variance));
    }

    public sealed record Evaluation(double Psnr, double LatentStd, double? PosteriorStd);

    /// <summary>
    /// On uint8 images: mean per-image PSNR (dB) of decode(encode(x)) against x, both mapped to [0, 1] and the
    /// reconstruction clamped to it; the std of the scaled latents; for VAEs the mean posterior std (scaled).
    /// </summary>
    public static Evaluation Evaluate(LearnedTokenizer model, Tensor imagesUint8, int chunk = 256)
    {
        using var _ = no_grad();
        double psnrSum = 0, zSum = 0, zSq = 0, sigmaSum = 0;
        long n = imagesUint8.shape[0], zCount = 0;
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            var x = TrainingData.ToModelInput(imagesUint8.narrow(0, start, Math.Min(chunk, n - start)));
            var z = model.Encode(x);
            var xr = model.Decode(z);
            psnrSum += Psnr(x, xr).to_type(ScalarType.Float64).sum().item<double>();
            var z64 = z.to_type(ScalarType.Float64);
            zSum += z64.sum().item<double>();
            zSq += z64.square().sum().item<double>();
            zCount += z.numel();
            var (_, logVar) = model.Posterior(x);
            if (logVar is not null) sigmaSum += ((0.5 * logVar.to_type(ScalarType.Float64)).exp() * model.ScaleFactor).sum().item<double>();
        }
        double zMean = zSum / zCount;
        double zStd = Math.Sqrt(Math.Max(0, zSq / zCount - zMean * zMean));
        return new Evaluation(psnrSum / n, zStd, model.IsVariational ? sigmaSum / zCount : null);
    }

    /// <summary>PSNR per image (dB) between x and a reconstruction, both in [-1, 1], measured on [0, 1]-scaled images.</summary>
    public static Tensor Psnr(Tensor x, Tensor reconstruction)
    {
        using var scope = NewDisposeScope();
        var a = (x + 1) / 2;
        var b = ((reconstruction + 1) / 2).clamp(0, 1);
        var mse = (a - b).square().flatten(1).mean([1]).clamp_min(1e-10);
        return (-10.0 * mse.log10()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The perceptual network from its cache folder (spec path, or <c>&lt;artifactDir&gt;/../perceptual-&lt;hash&gt;</c>),
    /// trained and cached if missing. Refused below <see cref="LearnedTokenizerSpec.MinPerceptualAccuracy"/>.
    /// </summary>
    static (PerceptualNetwork Net, string Dir) ObtainPerceptualNetwork(LearnedTokenizerSpec spec, Tensor train, Tensor trainLabels,
        Tensor test, Tensor testLabels, string artifactDir, TextWriter log)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(artifactDir)))
            ?? throw new ArgumentException($"{artifactDir} has no parent folder for the perceptual-network cache");
        var dir = spec.PerceptualPath ?? Path.Combine(parent, "perceptual-" + PerceptualCacheKey(spec.PerceptualNetwork, train, trainLabels, test, testLabels));
        var weights = Path.Combine(dir, PerceptualWeightsFile);
        var info = Path.Combine(dir, PerceptualInfoFile);

        PerceptualNetwork net;
        var check = VerifiedFile.Check(weights);
        if (File.Exists(info) && check.Usable)
        {
            net = PerceptualNetwork.Load(weights);
            log.WriteLine($"[perceptual] reusing {dir} (test accuracy {net.TestAccuracy:P2})");
        }
        else
        {
            if (check.Exists) log.WriteLine($"[perceptual] {check}: training it again");
            var watch = Stopwatch.StartNew();
            (net, _) = PerceptualNetwork.Train(train, trainLabels, test, testLabels, spec.PerceptualNetwork, log);
            Directory.CreateDirectory(dir);
            net.Save(weights);
            var json = JsonSerializer.Serialize(new
            {
                test_accuracy = net.TestAccuracy,
                options = spec.PerceptualNetwork.Describe(),
                train_images = train.shape[0],
                test_images = test.shape[0],
                train_seconds = watch.Elapsed.TotalSeconds,
            }, new JsonSerializerOptions { WriteIndented = true }) + "\n";
            AtomicFile.WriteText(info, json);
        }
        if (!(net.TestAccuracy >= spec.MinPerceptualAccuracy))
        {
            var accuracy = net.TestAccuracy;
            net.Dispose();
            throw new InvalidOperationException(
                $"the perceptual network in {dir} reaches {accuracy:P2} test accuracy, below the required {spec.MinPerceptualAccuracy:P0}: refusing to use it as the perceptual loss");
        }
        return (net, dir);
    }

    /// <summary>Hash of the perceptual training options and the exact data (images and labels of both splits).</summary>
    public static string PerceptualCacheKey(PerceptualTrainOptions options, Tensor train, Tensor trainLabels, Tensor test, Tensor testLabels)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"perceptual-v1\n{options.Describe()}\n"));
        foreach (var t in new[] { train, trainLabels, test, testLabels })
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{t.dtype}[{string.Join(",", t.shape)}]\n"));
            using var contiguous = t.cpu().contiguous();
            sha.AppendData(contiguous.bytes);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..12];
    }

    static void CheckImages(Tensor images, LearnedTokenizerSpec spec, string split)
    {
        if (images.dim() != 4) throw new ArgumentException($"{split} images: expected N×C×H×W, got [{string.Join(",", images.shape)}]");
        if (images.dtype != ScalarType.Byte) throw new ArgumentException($"{split} images: expected uint8, got {images.dtype}");
        if (images.shape[0] < 1) throw new ArgumentException($"{split} images: empty");
        if (images.shape[2] % spec.Patch != 0 || images.shape[3] % spec.Patch != 0)
            throw new ArgumentException($"{split} images: size {images.shape[2]}×{images.shape[3]} is not divisible by the patch {spec.Patch}");
    }
}
