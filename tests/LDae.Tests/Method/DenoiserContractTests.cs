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

/// <summary>
/// The denoiser's formulas checked against values computed here from the paper: the loss is λ_t‖target − net(z_t)‖²
/// with t ~ U{1..T} and ε ~ N(0, I) drawn in that order; ε̂ and ẑ₀ convert through z_t = γ_t ẑ₀ + σ_t ε̂; the probe's
/// t and block count have the ranges ProbeReadout documents; and the argument checks accept their boundaries.
/// </summary>
public class DenoiserContractTests
{
    const int Size = 16, P = 4, D = 6;

    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    static PatchPcaTokenizer Pca() => PatchPcaTokenizer.Fit(SyntheticShapes.Make(64, 1, Size, seed: 21), P, D, LatentScaling.Global);

    static DenoiserOptions Tiny(ObjectiveOptions? objective = null) => new()
    {
        ImageSize = Size, Width = 32, Depth = 4, Heads = 2, MlpRatio = 2, Objective = objective ?? new ObjectiveOptions(),
    };

    static readonly ObjectiveOptions ImageOutput = new()
    {
        Prediction = Prediction.OriginalImage, Input = InputSpace.ImageViaInversePca, Output = OutputSpace.ImageViaInversePca, ResidualWeight = 0.1,
    };

    /// <summary>A network away from its zero init (adaLN and the output layer), so its output depends on z_t, t and y.</summary>
    static Denoiser Trained(ObjectiveOptions objective, NoiseSchedule schedule, bool classConditional = false)
    {
        var model = new Denoiser(Pca(), schedule, Tiny(objective) with { ClassConditional = classConditional, NumClasses = classConditional ? 3 : 0 },
            new Generator(2, CPU));
        using var g = new Generator(3, CPU);
        using var _ = no_grad();
        foreach (var p in model.parameters())
            using (var step = randn(p.shape, generator: g) * 0.05) p.add_(step);
        return model;
    }

    public static TheoryData<Prediction> LatentTargets => new() { Prediction.Epsilon, Prediction.CleanData };

    [Theory]
    [MemberData(nameof(LatentTargets))]
    public void The_latent_loss_is_lambda_weighted_mse_to_the_target_at_t_and_noise_drawn_in_that_order(Prediction prediction)
    {
        using var scope = NewDisposeScope();
        // at init the output layer is zero, so the loss is mean_n λ_{t_n}·mean(target_n²)
        var schedule = new LinearGammaSquared();
        using var model = new Denoiser(Pca(), schedule, Tiny(new() { Prediction = prediction }));
        var images = SyntheticShapes.Make(6, 1, Size, seed: 4);
        double loss = model.Loss(images, null, new Generator(9, CPU)).Total.item<float>();

        var g = new Generator(9, CPU);
        var t = randint(1, schedule.Steps + 1, [6], dtype: ScalarType.Int64, generator: g);
        var z = model.Tokenizer.Encode(images);
        var eps = randn(z.shape, generator: g);
        var ts = t.data<long>().ToArray();
        double expected = 0;
        for (int n = 0; n < 6; n++)
        {
            int step = (int)ts[n];
            double gamma = schedule.GammaAt(step);
            // ε-prediction: λ = 1, target ε; clean data: λ = γ²/(γ² + σ²) = γ² here, target z₀
            expected += prediction == Prediction.Epsilon
                ? eps[n].square().mean().item<float>()
                : gamma * gamma * z[n].square().mean().item<float>();
        }
        expected /= 6;
        Assert.Equal(1.0, loss / expected, 5);
    }

    [Fact]
    public void Every_training_step_of_a_one_step_schedule_is_its_single_noisy_step()
    {
        using var scope = NewDisposeScope();
        // T = 1: t = 1, where γ = 0 and σ = 1, so the clean-data weight λ = 0 and the loss vanishes
        using var model = new Denoiser(Pca(), new LinearGammaSquared(1), Tiny(new() { Prediction = Prediction.CleanData }));
        Assert.Equal(0f, model.Loss(SyntheticShapes.Make(4, 1, Size, seed: 2), null, new Generator(1, CPU)).Total.item<float>());
    }

    [Fact]
    public void Denoise_turns_the_predicted_noise_into_the_clean_latent()
    {
        using var scope = NewDisposeScope();
        var schedule = new LinearGammaSquared();
        using var model = Trained(new ObjectiveOptions(), schedule);
        var images = SyntheticShapes.Make(3, 1, Size, seed: 6);
        const int t = 400;
        var (noisy, prediction) = model.Denoise(images, t, new Generator(5, CPU));

        var z = model.Tokenizer.Encode(images);
        var zt = z * schedule.GammaAt(t) + randn(z.shape, generator: new Generator(5, CPU)) * schedule.SigmaAt(t);
        var epsHat = model.Backbone.forward(zt, full(3, (long)t), null);
        var expected = model.Tokenizer.Decode((zt - schedule.SigmaAt(t) * epsHat) / schedule.GammaAt(t));
        Assert.True(SyntheticShapes.MaxAbsDiff(noisy, model.Tokenizer.Decode(zt)) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(prediction, expected) < 1e-4);
    }

    [Fact]
    public void Denoise_shows_a_clean_latent_decoded_and_an_image_output_as_it_is()
    {
        using var scope = NewDisposeScope();
        var schedule = NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, inputScaling: false);
        var images = SyntheticShapes.Make(3, 1, Size, seed: 6);
        const int t = 300;
        using var latent = Trained(new() { Prediction = Prediction.CleanData }, schedule);
        using var image = Trained(ImageOutput, schedule);
        foreach (var model in new[] { latent, image })
        {
            var (noisy, prediction) = model.Denoise(images, t, new Generator(5, CPU));
            var z = model.Tokenizer.Encode(images);
            var zt = z * schedule.GammaAt(t) + randn(z.shape, generator: new Generator(5, CPU)) * schedule.SigmaAt(t);
            bool imageOutput = model.Options.Objective.Output == OutputSpace.ImageViaInversePca;
            var input = imageOutput ? Patches.ImageToGrid(model.Tokenizer.Decode(zt), P) : zt;
            var output = model.Backbone.forward(input, full(3, (long)t), null);
            var expected = imageOutput ? Patches.GridToImage(output, P, 1) : model.Tokenizer.Decode(output);
            Assert.True(SyntheticShapes.MaxAbsDiff(prediction, expected) < 1e-4);
            Assert.True(SyntheticShapes.MaxAbsDiff(noisy, model.Tokenizer.Decode(zt)) < 1e-5);
        }
    }

    public static TheoryData<string> EstimateCases => new() { "epsilon", "clean-data", "image-output", "class-conditional" };

    [Theory]
    [MemberData(nameof(EstimateCases))]
    public void The_estimate_is_the_network_output_and_its_complement_through_the_forward_process(string name)
    {
        using var scope = NewDisposeScope();
        var schedule = new LinearGammaSquared();
        var objective = name switch
        {
            "clean-data" => new ObjectiveOptions { Prediction = Prediction.CleanData },
            "image-output" => ImageOutput,
            _ => new ObjectiveOptions(),
        };
        using var model = Trained(objective, schedule, classConditional: name == "class-conditional");
        var g = new Generator(8, CPU);
        var zt = randn([2, D, Size / P, Size / P], generator: g);
        var t = tensor(new long[] { 300, 700 });
        var labels = tensor(new long[] { 2, 0 });
        var (clean, noise) = model.Estimate(zt, t, labels);

        var gamma = tensor(new[] { (float)schedule.GammaAt(300), (float)schedule.GammaAt(700) }).reshape(2, 1, 1, 1);
        var sigma = tensor(new[] { (float)schedule.SigmaAt(300), (float)schedule.SigmaAt(700) }).reshape(2, 1, 1, 1);
        bool imageOutput = name == "image-output";
        var input = imageOutput ? Patches.ImageToGrid(model.Tokenizer.Decode(zt), P) : zt;
        var output = model.Backbone.forward(input, t, name == "class-conditional" ? labels : null);
        var (expectedClean, expectedNoise) = name switch
        {
            "clean-data" => (output, (zt - gamma * output) / sigma),
            "image-output" => (model.Tokenizer.Encode(Patches.GridToImage(output, P, 1)), (Tensor?)null),
            _ => ((zt - sigma * output) / gamma, output),
        };
        expectedNoise ??= (zt - gamma * expectedClean) / sigma;
        Assert.True(SyntheticShapes.MaxAbsDiff(clean, expectedClean) < 1e-4);
        Assert.True(SyntheticShapes.MaxAbsDiff(noise, expectedNoise) < 1e-4);
        Assert.True(SyntheticShapes.MaxAbsDiff(gamma * clean + sigma * noise, zt) < 1e-4);
        if (name == "epsilon")
        {
            // an unconditional model has no label input: labels change nothing
            Assert.Equal(0, SyntheticShapes.MaxAbsDiff(model.Estimate(zt, t, null).Clean, clean));
        }
    }

    [Fact]
    public void The_probe_reads_any_t_of_the_schedule_and_after_one_to_all_blocks()
    {
        using var scope = NewDisposeScope();
        var schedule = new LinearGammaSquared(50);
        using var model = Trained(new ObjectiveOptions(), schedule);
        var images = SyntheticShapes.Make(2, 1, Size, seed: 3);
        Assert.Equal(new long[] { 2, 32 }, model.Features(images, new ProbeReadout(50)).shape);
        Assert.Equal(new long[] { 2, 32 }, model.Features(images, new ProbeReadout(0)).shape);
        Assert.Contains("0..50", Assert.Throws<ArgumentOutOfRangeException>(() => model.Features(images, new ProbeReadout(-1))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Features(images, new ProbeReadout(51)));

        var z = model.Tokenizer.Encode(images);
        var c = model.Backbone.Conditioning(full(2, 10L), null);
        var all = model.Backbone.RunBlocks(model.Backbone.EmbedPatches(z), c, 0, 4).mean([1]);
        Assert.True(SyntheticShapes.MaxAbsDiff(model.Features(images, new ProbeReadout(10, Blocks: 4)), all) < 1e-5);
        Assert.Contains("1..4", Assert.Throws<ArgumentOutOfRangeException>(() => model.Features(images, new ProbeReadout(10, Blocks: 0))).Message);
    }

    [Fact]
    public void A_class_conditional_loss_sees_the_labels_and_the_defaults_condition_on_t()
    {
        using var scope = NewDisposeScope();
        using var model = Trained(new ObjectiveOptions(), new LinearGammaSquared(), classConditional: true);
        var images = SyntheticShapes.Make(4, 1, Size, seed: 2);
        double a = model.Loss(images, tensor(new long[] { 0, 0, 0, 0 }), new Generator(5, CPU)).Total.item<float>();
        double b = model.Loss(images, tensor(new long[] { 2, 2, 2, 2 }), new Generator(5, CPU)).Total.item<float>();
        Assert.NotEqual(a, b);
        // DiT's conditioning on t is on unless a row turns it off; the noisy probe at t = 0 needs no generator
        Assert.True(new DenoiserOptions { ImageSize = Size }.TimestepConditional);
        Assert.Equal(new long[] { 4, 32 }, model.Features(images, new ProbeReadout(0, NoisyInput: true)).shape);
        // an image cell holds p·p·C values
        var rgb = Denoiser.BackboneFor(4, 3, 6, Tiny(ImageOutput));
        Assert.Equal((48, 48), (rgb.InChannels, rgb.OutChannels));
    }

    [Fact]
    public void Fine_tuning_trains_the_embeddings_and_the_blocks_the_probe_reads()
    {
        using var conditional = new Denoiser(Pca(), new LinearGammaSquared(), Tiny() with { ClassConditional = true, NumClasses = 3 });
        var layers = conditional.Layers(new ProbeReadout(Blocks: 3));
        Assert.Equal(new nn.Module[] { conditional.Backbone.PatchEmbedding, conditional.Backbone.Timesteps!, conditional.Backbone.Labels! }, layers.Embedding);
        Assert.Equal(conditional.Backbone.Blocks.Take(3).Cast<nn.Module>(), layers.Blocks);
        Assert.Null(layers.Norm);
        // the default readout is the encoder, depth/2 blocks; an unconditional model has no label embedding
        using var plain = new Denoiser(Pca(), new LinearGammaSquared(), Tiny());
        var encoder = plain.Layers(ProbeReadout.Paper);
        Assert.Equal(2, encoder.Blocks.Count);
        Assert.Equal(new nn.Module[] { plain.Backbone.PatchEmbedding, plain.Backbone.Timesteps! }, encoder.Embedding);
    }

    [Fact]
    public void Images_of_the_wrong_shape_are_refused_naming_the_expected_one()
    {
        using var scope = NewDisposeScope();
        using var model = new Denoiser(Pca(), new LinearGammaSquared(), Tiny());
        var g = new Generator(0, CPU);
        foreach (var bad in new[] { zeros(2, 1, Size), zeros(2, 1, 12, Size), zeros(2, 1, Size, 12), zeros(2, 3, Size, Size) })
            Assert.Contains("N×1×16×16", Assert.Throws<ArgumentException>(() => model.Loss(bad, null, g)).Message);
        Assert.Contains("N×1×16×16", Assert.Throws<ArgumentException>(() => model.Features(zeros(2, 1, 12, Size))).Message);
        Assert.Contains("N×1×16×16", Assert.Throws<ArgumentException>(() => model.Denoise(zeros(2, 1, Size, 12), 5, g)).Message);
        Assert.Equal(new long[] { 7, D, Size / P, Size / P }, model.LatentShape(7));
    }

    [Fact]
    public void Option_checks_accept_their_boundaries_and_refuse_beyond_them()
    {
        using var scope = NewDisposeScope();
        var s = new LinearGammaSquared();
        // one token of tokenizer patch × token patch pixels is the smallest image
        using (var smallest = new Denoiser(Pca(), s, Tiny() with { ImageSize = P }))
            Assert.Equal(1, smallest.BackboneOptions.TokenCount);
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny() with { ImageSize = 0 }));
        using (new Denoiser(Pca(), s, Tiny() with { ClassConditional = true, NumClasses = 1, LabelDropout = 0 })) { }
        using (new Denoiser(Pca(), s, Tiny() with { ClassConditional = true, NumClasses = 1, LabelDropout = 1 })) { }
        Assert.Contains("1.5", Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny() with { LabelDropout = 1.5 })).Message);
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny() with { LabelDropout = -0.1 }));
        using (new Denoiser(Pca(), s, Tiny(ImageOutput with { ResidualWeight = 0 }))) { }
        Assert.Throws<ArgumentException>(() => new Denoiser(Pca(), s, Tiny(ImageOutput with { ResidualWeight = double.NaN })));
        var pixels = Assert.Throws<ArgumentException>(() => new Denoiser(new PixelTokenizer(1), s, Tiny(new() { Input = InputSpace.ImageViaInversePca })));
        Assert.Contains("'pixels'", pixels.Message);
    }

    [Fact]
    public void Errors_name_what_was_wrong()
    {
        using var scope = NewDisposeScope();
        var s = new LinearGammaSquared();
        string Refused(DenoiserOptions options, ITokenizer? tokenizer = null) =>
            Assert.Throws<ArgumentException>(() => new Denoiser(tokenizer ?? Pca(), s, options)).Message;
        Assert.Contains("image output via inverse PCA", Refused(Tiny(new() { Prediction = Prediction.CleanData, Output = OutputSpace.ImageViaInversePca }), new PixelTokenizer(1)));
        Assert.Contains("needs image output", Refused(Tiny(new() { Prediction = Prediction.OriginalImage })));
        Assert.Contains("ε-prediction has no image target", Refused(Tiny(ImageOutput with { Prediction = Prediction.Epsilon })));
        Assert.Contains("got -1", Refused(Tiny(ImageOutput with { ResidualWeight = -1 })));
        Assert.Contains("NumClasses ≥ 1", Refused(Tiny() with { ClassConditional = true, NumClasses = 0 }));
        var size = Refused(Tiny() with { ImageSize = 18 });
        Assert.Contains("18", size);
        Assert.Contains("= 4", size);

        using var conditional = new Denoiser(Pca(), s, Tiny() with { ClassConditional = true, NumClasses = 3 });
        var images = SyntheticShapes.Make(2, 1, Size, seed: 1);
        Assert.Contains("needs labels", Assert.Throws<ArgumentException>(() => conditional.Loss(images, null, new Generator(0, CPU))).Message);
        Assert.Contains("generator", Assert.Throws<ArgumentNullException>(() => conditional.Features(images, new ProbeReadout(5, NoisyInput: true))).Message);
    }

    [Fact]
    public void The_denoiser_owns_its_tokenizer()
    {
        var pca = Pca();
        var basis = pca.Basis;
        var denoiser = new Denoiser(pca, new LinearGammaSquared(), Tiny());
        var weight = denoiser.Backbone.PatchEmbedding.weight!;
        Assert.False(((IPretrainingMethod)denoiser).AugmentsItself);
        denoiser.Dispose();
        Assert.True(basis.IsInvalid);
        Assert.True(weight.IsInvalid);
    }
}
