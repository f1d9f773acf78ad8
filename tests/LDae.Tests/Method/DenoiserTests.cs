using LDae.Diffusion;
using LDae.Method;
using LDae.Models;
using LDae.Objectives;
using LDae.Runtime;
using LDae.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Method;

public class DenoiserTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Size = 16, P = 4, D = 6;

    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    static PatchPcaTokenizer Pca(LatentScaling scaling = LatentScaling.Global) =>
        PatchPcaTokenizer.Fit(SyntheticShapes.Make(64, 1, Size, seed: 21), P, D, scaling);

    static DenoiserOptions Tiny(ObjectiveOptions? objective = null) => new()
    {
        ImageSize = Size, Width = 32, Depth = 2, Heads = 2, MlpRatio = 2,
        Objective = objective ?? new ObjectiveOptions(),
    };

    static readonly ObjectiveOptions LDae = new()
    {
        Prediction = Prediction.OriginalImage, Input = InputSpace.ImageViaInversePca, Output = OutputSpace.ImageViaInversePca, ResidualWeight = 0.1,
    };

    /// <summary>The Table 3 path (and the class-conditional DiT start), each as (options, schedule).</summary>
    public static TheoryData<string> Rows => new()
    {
        "dit-class-conditional", "pca-ddm", "predict-clean-data", "no-input-scaling", "image-input", "image-output",
        "predict-original-image", "single-noise-level",
    };

    static (DenoiserOptions, NoiseSchedule) Row(string row)
    {
        var lin = NoiseSchedules.LinearGammaSquaredName;
        return row switch
        {
            "dit-class-conditional" => (Tiny() with { ClassConditional = true, NumClasses = 10 }, NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName)),
            "pca-ddm" => (Tiny(), NoiseSchedules.Create(lin)),
            "predict-clean-data" => (Tiny(new() { Prediction = Prediction.CleanData }), NoiseSchedules.Create(lin)),
            "no-input-scaling" => (Tiny(new() { Prediction = Prediction.CleanData }), NoiseSchedules.Create(lin, inputScaling: false)),
            "image-input" => (Tiny(new() { Prediction = Prediction.CleanData, Input = InputSpace.ImageViaInversePca }), NoiseSchedules.Create(lin, false)),
            "image-output" => (Tiny(LDae with { Prediction = Prediction.CleanData, ResidualWeight = 1 }), NoiseSchedules.Create(lin, false)),
            "predict-original-image" => (Tiny(LDae), NoiseSchedules.Create(lin, false)),
            "single-noise-level" => (Tiny(LDae) with { TimestepConditional = false }, NoiseSchedules.Create(lin, false, SingleNoiseLevel.DefaultSigma)),
            _ => throw new ArgumentException(row),
        };
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Every_row_trains_one_step_reproducibly(string row)
    {
        using var scope = NewDisposeScope();
        var (options, schedule) = Row(row);
        using var model = new Denoiser(Pca(), schedule, options, new Generator(1, CPU));
        var images = SyntheticShapes.Make(8, 1, Size, seed: 5);
        var labels = arange(8L) % 10;
        // a non-zero output layer, as after some training (at init the output is 0 and, with one noise level,
        // the original-image loss would not depend on the noise draw)
        WeightInit.Normal(model.Backbone.Final.Output.weight!, 0.05, new Generator(2, CPU));

        var first = model.Loss(images, labels, new Generator(7, CPU));
        var again = model.Loss(images, labels, new Generator(7, CPU));
        var other = model.Loss(images, labels, new Generator(8, CPU));
        double loss = first.Total.item<float>();
        Assert.True(double.IsFinite(loss) && loss > 0);
        Assert.Equal(loss, again.Total.item<float>());
        Assert.NotEqual(loss, other.Total.item<float>());

        bool image = options.Objective.Output == OutputSpace.ImageViaInversePca;
        Assert.Equal(image, first.Subspace is not null);
        Assert.Equal(image, first.Residual is not null);
        if (image)
            Assert.Equal(first.Subspace!.item<float>() + options.Objective.ResidualWeight * first.Residual!.item<float>(), loss, 5);

        first.Total.backward();
        Assert.True(model.Backbone.Final.Output.weight!.grad!.abs().sum().item<float>() > 0);
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
    }

    [Fact]
    public void Backbone_channels_follow_the_input_and_output_spaces()
    {
        using var pca = Pca();
        var latent = Denoiser.BackboneFor(pca, Tiny());
        Assert.Equal((D, D, Size / P, 1), (latent.InChannels, latent.OutChannels, latent.GridSize, latent.Patch));
        var image = Denoiser.BackboneFor(pca, Tiny(LDae));
        Assert.Equal((P * P, P * P, Size / P), (image.InChannels, image.OutChannels, image.GridSize));
        using var pixels = new PixelTokenizer(3);
        var pixel = Denoiser.BackboneFor(pixels, Tiny() with { TokenPatch = 4 });
        Assert.Equal((3, 3, Size, 4, 16), (pixel.InChannels, pixel.OutChannels, pixel.GridSize, pixel.Patch, pixel.TokenCount));
    }

    [Fact]
    public void Invalid_combinations_are_rejected()
    {
        using var scope = NewDisposeScope();
        var s = new LinearGammaSquared();
        Assert.Throws<ArgumentException>(() => new Denoiser(new PixelTokenizer(1), s, Tiny(new() { Input = InputSpace.ImageViaInversePca })));
        Assert.Throws<ArgumentException>(() => new Denoiser(new PixelTokenizer(1), s, Tiny(new() { Output = OutputSpace.ImageViaInversePca })));
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny(new() { Prediction = Prediction.OriginalImage })));
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny(LDae with { ResidualWeight = -1 })));
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny(LDae with { Prediction = Prediction.Epsilon })));
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny() with { ClassConditional = true, NumClasses = 0 }));
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny() with { ImageSize = 18 }));
        using var conditional = new Denoiser(Pca(), s, Tiny() with { ClassConditional = true, NumClasses = 10 });
        Assert.Throws<ArgumentException>(() => conditional.Loss(SyntheticShapes.Make(2, 1, Size), null, new Generator(0, CPU)));
        Assert.Throws<ArgumentException>(() => conditional.Loss(zeros(2, 3, Size, Size), arange(2L), new Generator(0, CPU)));
    }

    [Fact]
    public void An_untrained_epsilon_model_predicts_zero_noise()
    {
        using var scope = NewDisposeScope();
        // the final layer starts at zero, so the ε-loss is E[ε²] = 1 and ẑ = z_t / γ_t
        using var model = new Denoiser(Pca(), new LinearGammaSquared(), Tiny());
        var images = SyntheticShapes.Make(64, 1, Size, seed: 2);
        Assert.InRange(model.Loss(images, null, new Generator(3, CPU)).Total.item<float>(), 0.95, 1.05);

        var (noisy, prediction) = model.Denoise(images[..4], 0, new Generator(4, CPU));
        Assert.True(SyntheticShapes.MaxAbsDiff(noisy, model.Tokenizer.Decode(model.Tokenizer.Encode(images[..4]))) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(prediction, noisy) < 1e-5);
        var (noisier, _) = model.Denoise(images[..4], 800, new Generator(4, CPU));
        Assert.True(SyntheticShapes.MaxAbsDiff(noisier, noisy) > 0.1);
    }

    [Fact]
    public void Features_are_the_pooled_encoder_tokens_of_the_clean_input_at_t_10()
    {
        using var scope = NewDisposeScope();
        var options = Tiny(LDae) with { ClassConditional = true, NumClasses = 10, Depth = 4 };
        using var model = new Denoiser(Pca(), NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, false), options, new Generator(2, CPU));
        var images = SyntheticShapes.Make(5, 1, Size, seed: 9);

        var features = model.Features(images);
        Assert.Equal(new long[] { 5, 32 }, features.shape);
        Assert.False(features.requires_grad);
        var tokens = model.Features(images, meanPool: false);
        Assert.Equal(new long[] { 5, (Size / P) * (Size / P), 32 }, tokens.shape);
        Assert.True(SyntheticShapes.MaxAbsDiff(tokens.mean([1]), features) < 1e-6);

        // image input: the clean input is the PCA reconstruction as a space-to-depth grid; the paper's t = 10; null label
        var clean = Patches.ImageToGrid(model.Tokenizer.Decode(model.Tokenizer.Encode(images)), P);
        var expected = model.Backbone.EncodeTokens(clean, full(5, 10L), full(5, 10L));
        Assert.True(SyntheticShapes.MaxAbsDiff(expected, tokens) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(features[0], features[1]) > 1e-4, "different images, different features");
    }

    /// <summary>A t-conditioned model after some training: adaLN modulations away from their zero init, so t matters.</summary>
    static Denoiser Conditioned(ObjectiveOptions objective, NoiseSchedule schedule, bool timestep = true)
    {
        var model = new Denoiser(Pca(), schedule, Tiny(objective) with { Depth = 4, TimestepConditional = timestep }, new Generator(2, CPU));
        using var g = new Generator(3, CPU);
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("modulation", StringComparison.OrdinalIgnoreCase) || name.Contains("time", StringComparison.OrdinalIgnoreCase)) WeightInit.Normal(p, 0.05, g);
        return model;
    }

    [Fact]
    public void The_probe_tells_the_encoder_t_and_noisy_input_adds_that_steps_noise_as_training_does()
    {
        using var scope = NewDisposeScope();
        var schedule = NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName);
        using var model = Conditioned(new ObjectiveOptions { Prediction = Prediction.CleanData }, schedule);
        var images = SyntheticShapes.Make(5, 1, Size, seed: 9);
        var z = model.Tokenizer.Encode(images);
        var t = full(5, 20L);

        // clean input at t = 20: the clean latent, the encoder told t = 20
        var clean = model.Features(images, new ProbeReadout(20));
        Assert.True(SyntheticShapes.MaxAbsDiff(model.Backbone.EncodeTokens(z, t, null).mean([1]), clean) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(model.Features(images, new ProbeReadout(0)), clean) > 1e-3, "t reaches the encoder");

        // noisy input at t = 20: z_t = γ_t z + σ_t ε with ε drawn from the generator, the encoder told t = 20
        var noisy = model.Features(images, new ProbeReadout(20, NoisyInput: true), new Generator(11, CPU));
        var eps = randn(z.shape, generator: new Generator(11, CPU));
        var zt = z * schedule.GammaAt(20) + eps * schedule.SigmaAt(20);
        Assert.True(SyntheticShapes.MaxAbsDiff(model.Backbone.EncodeTokens(zt, t, null).mean([1]), noisy) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(noisy, clean) > 1e-3);
        var again = model.Features(images, new ProbeReadout(20, NoisyInput: true), new Generator(11, CPU));
        Assert.Equal(0, SyntheticShapes.MaxAbsDiff(again, noisy));

        // the noise level of t = 0 is zero: noisy input is the clean input there
        var noisyAt0 = model.Features(images, new ProbeReadout(0, NoisyInput: true), new Generator(11, CPU));
        Assert.Equal(0, SyntheticShapes.MaxAbsDiff(noisyAt0, model.Features(images, new ProbeReadout(0))));
        Assert.Throws<ArgumentNullException>(() => model.Features(images, new ProbeReadout(20, NoisyInput: true)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Features(images, new ProbeReadout(1001)));
    }

    [Fact]
    public void Without_t_conditioning_t_only_chooses_the_noise_and_a_single_level_is_one_noise_for_every_t()
    {
        using var scope = NewDisposeScope();
        using var model = Conditioned(LDae, NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, false, SingleNoiseLevel.DefaultSigma), timestep: false);
        var images = SyntheticShapes.Make(5, 1, Size, seed: 9);
        Assert.Equal(0, SyntheticShapes.MaxAbsDiff(model.Features(images, new ProbeReadout(0)), model.Features(images, new ProbeReadout(80))));
        var at10 = model.Features(images, new ProbeReadout(10, NoisyInput: true), new Generator(4, CPU));
        var at80 = model.Features(images, new ProbeReadout(80, NoisyInput: true), new Generator(4, CPU));
        Assert.Equal(0, SyntheticShapes.MaxAbsDiff(at10, at80));
        Assert.True(SyntheticShapes.MaxAbsDiff(at10, model.Features(images, new ProbeReadout(10))) > 1e-4);
    }

    [Fact]
    public void The_probe_reads_after_k_blocks_for_the_encoder_decoder_split()
    {
        using var scope = NewDisposeScope();
        using var model = Conditioned(new ObjectiveOptions(), NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName));
        var images = SyntheticShapes.Make(3, 1, Size, seed: 9);
        var z = model.Tokenizer.Encode(images);
        var c = model.Backbone.Conditioning(full(3, 10L), null);
        var embedded = model.Backbone.EmbedPatches(z);
        foreach (int k in new[] { 1, 2, 3 })
        {
            var expected = model.Backbone.RunBlocks(embedded, c, 0, k).mean([1]);
            Assert.True(SyntheticShapes.MaxAbsDiff(expected, model.Features(images, new ProbeReadout(10, Blocks: k))) < 1e-5, $"k = {k}");
        }
        // depth 4: the encoder is 2 blocks, the default readout
        Assert.Equal(0, SyntheticShapes.MaxAbsDiff(model.Features(images, new ProbeReadout(10, Blocks: 2)), model.Features(images)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Features(images, new ProbeReadout(10, Blocks: 5)));
    }

    [Fact]
    public void Image_output_targets_the_inverse_pca_of_the_clean_latent_and_predict_original_image_the_image()
    {
        using var scope = NewDisposeScope();
        // One noise level makes λ = 1/(1 + 1/3) = 0.75 for every sample; at init the network outputs the zero image.
        var schedule = new SingleNoiseLevel();
        var images = SyntheticShapes.Make(6, 1, Size, seed: 12);
        using var cleanLatent = new Denoiser(Pca(), schedule, Tiny(LDae with { Prediction = Prediction.CleanData, ResidualWeight = 1 }));
        using var original = new Denoiser(Pca(), schedule, Tiny(LDae));
        var reconstruction = cleanLatent.Tokenizer.Decode(cleanLatent.Tokenizer.Encode(images));

        // operate on image output: λ·MSE(0, invPCA(z₀)) — the plain pixel MSE against the inverse PCA
        double imageOutput = cleanLatent.Loss(images, null, new Generator(1, CPU)).Total.item<float>();
        Assert.Equal(0.75 * reconstruction.square().mean().item<float>(), imageOutput, 5);

        // predict original image: target x₀, the part of the error outside the subspace weighted 0.1
        var parts = original.Loss(images, null, new Generator(1, CPU));
        var pca = (PatchPcaTokenizer)original.Tokenizer;
        var inside = pca.ProjectToSubspace(images);
        Assert.Equal(0.75 * inside.square().mean().item<float>(), parts.Subspace!.item<float>(), 5);
        Assert.Equal(0.75 * (images - inside).square().mean().item<float>(), parts.Residual!.item<float>(), 5);
        Assert.Equal(parts.Subspace!.item<float>() + 0.1 * parts.Residual!.item<float>(), parts.Total.item<float>(), 5);
    }

    [Fact]
    public void Without_timestep_conditioning_the_blocks_stay_adaln_zero_and_are_told_one_fixed_t()
    {
        using var scope = NewDisposeScope();
        using var told = new Denoiser(Pca(), new SingleNoiseLevel(), Tiny(LDae), new Generator(4, CPU));
        using var model = new Denoiser(Pca(), new SingleNoiseLevel(), Tiny(LDae) with { TimestepConditional = false }, new Generator(4, CPU));
        // the same architecture as the t-conditioned model: same parameter names and shapes, adaLN-Zero blocks
        Assert.Equal(told.named_parameters().Select(p => (p.name, string.Join("×", p.parameter.shape))),
            model.named_parameters().Select(p => (p.name, string.Join("×", p.parameter.shape))));
        Assert.All(model.Backbone.Blocks, b => Assert.IsType<AdaLnZeroBlock>(b));
        Assert.NotNull(model.Backbone.Final.Modulation);
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("modulation", StringComparison.OrdinalIgnoreCase) || name.Contains("time", StringComparison.OrdinalIgnoreCase))
                WeightInit.Normal(p, 0.05, new Generator(5, CPU));
        WeightInit.Normal(model.Backbone.Final.Output.weight!, 0.05, new Generator(6, CPU));
        // t is not an input any more: any t gives the output of the fixed t
        var x = Patches.ImageToGrid(SyntheticShapes.Make(2, 1, Size, seed: 1), P);
        var a = model.Backbone.forward(x, zeros(2, ScalarType.Int64), null);
        var b = model.Backbone.forward(x, full(2, 700L), null);
        Assert.True(SyntheticShapes.MaxAbsDiff(a, b) == 0);
        Assert.True(SyntheticShapes.MaxAbsDiff(a, model.Backbone.forward(x, full(2, BackboneOptions.FixedTimestep), null)) == 0);
        Assert.True(a.abs().max().item<float>() > 0, "the fixed t's modulation reaches the output");
    }

    [Fact]
    public void A_tiny_l_dae_overfits_structured_images()
    {
        using var scope = NewDisposeScope();
        const int size = 28;
        var images = SyntheticShapes.Make(64, 1, size, seed: 42);
        var pca = PatchPcaTokenizer.Fit(images, 4, 8, LatentScaling.Global);
        var options = new DenoiserOptions
        {
            ImageSize = size, Width = 32, Depth = 2, Heads = 2, MlpRatio = 2, Objective = LDae,
        };
        using var model = new Denoiser(pca, NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, inputScaling: false), options, new Generator(0, CPU));

        double Evaluate()
        {
            using var _ = no_grad();
            double sum = 0;
            for (int i = 0; i < 4; i++) sum += model.Loss(images, null, new Generator((ulong)(1000 + i), CPU)).Total.item<float>();
            return sum / 4;
        }

        double before = Evaluate();
        using var optimizer = optim.Adam(model.parameters(), lr: 2e-3);
        var g = new Generator(1, CPU);
        for (int step = 0; step < 150; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            model.Loss(images, null, g).Total.backward();
            optimizer.step();
        }
        double after = Evaluate();
        output.WriteLine($"loss {before:F4} → {after:F4}");
        Assert.True(after < 0.3 * before, $"loss {before:F4} → {after:F4}");
    }
}
