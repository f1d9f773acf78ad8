using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers.Learned;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>
/// The tokenizer's loss with every term on (checked against the formula on <see cref="LearnedTokenizerTrainer"/>),
/// the PSNR on known images, the evaluation and latent statistics against their whole-batch definitions, and the
/// perceptual network's cache key.
/// </summary>
public class LearnedTokenizerLossAndEvaluationTests
{
    public LearnedTokenizerLossAndEvaluationTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Loss_is_l1_plus_weighted_perceptual_per_pixel_plus_beta_kl_plus_lambda_g()
    {
        using var scope = NewDisposeScope();
        using var convolutions = OneDnnConvolution.Disabled();
        using var model = ConvVae.Create(4, 3, 1, null, new Generator(1, CPU));
        using var perceptual = new PerceptualNetwork(1, 10, [4, 8]);
        SeededInit.Default(perceptual, new Generator(2, CPU));
        perceptual.Freeze();
        using var discriminator = PatchDiscriminator.Create(1, new Generator(3, CPU), width: 8, layers: 1);
        var spec = new LearnedTokenizerSpec
        {
            Kind = "conv-vae", Patch = 4, LatentDim = 3, KlWeight = 0.5, PerceptualWeight = 0.3, DiscriminatorWeight = 0.7,
        };
        var x = SyntheticShapes.Make(4, 1, 16, seed: 3);
        var terms = LearnedTokenizerTrainer.Loss(model, x, spec, perceptual, discriminator, new Generator(5, CPU));

        // x̂ decodes the reparameterised sample drawn from the same generator
        var (mean, logVar) = model.Posterior(x);
        var xr = model.DecodeUnscaled(DiagonalGaussian.Sample(mean, logVar!, new Generator(5, CPU)));
        Assert.True(SyntheticShapes.MaxAbsDiff(xr, terms.Reconstruction) < 1e-6);

        // L1 summed over an image, averaged over the batch of 4
        Assert.Equal(1.0, (x - xr).abs().sum().item<float>() / 4 / terms.Pixel.item<float>(), 5);
        Assert.Equal(1.0, perceptual.Distance(x, xr).mean().item<float>() / terms.Perceptual!.item<float>(), 5);
        Assert.Equal(1.0, DiagonalGaussian.Kl(mean, logVar!).mean().item<float>() / terms.Kl!.item<float>(), 5);
        Assert.Equal(1.0, HingeGanLoss.Generator(discriminator.forward(xr)).item<float>() / terms.Generator!.item<float>(), 5);

        // λ = w_d · ‖∇_L rec‖ / (‖∇_L g‖ + 10⁻⁴) with rec the pixel term plus w_p · LPIPS per pixel of the image
        var rec = terms.Pixel + 0.3 * Pixels * terms.Perceptual!;
        Assert.Equal(1.0, 0.7 * AdaptiveWeight.Compute(rec, terms.Generator!, model.DecoderLastLayerWeight) / terms.AdaptiveWeight, 4);
        Assert.True(terms.AdaptiveWeight > 0);
        double expected = terms.Pixel.item<float>() + 0.3 * Pixels * terms.Perceptual.item<float>()
                          + 0.5 * terms.Kl!.item<float>() + terms.AdaptiveWeight * terms.Generator!.item<float>();
        Assert.Equal(1.0, expected / terms.Total.item<float>(), 5);
    }

    const int Pixels = 16 * 16;

    [Fact]
    public void Loss_without_a_discriminator_has_no_generator_term_and_reconstructs_with_the_named_loss()
    {
        using var scope = NewDisposeScope();
        using var model = PatchVae.Create(4, 3, 1, new Generator(1, CPU));
        var spec = new LearnedTokenizerSpec { Kind = "patch-vae", Patch = 4, LatentDim = 3, KlWeight = 2, Reconstruction = ReconstructionLoss.L1 };
        var x = SyntheticShapes.Make(3, 1, 16, seed: 4);
        var terms = LearnedTokenizerTrainer.Loss(model, x, spec, null, null, new Generator(6, CPU));
        Assert.Null(terms.Generator);
        Assert.Null(terms.Perceptual);
        Assert.Equal(0.0, terms.AdaptiveWeight);
        Assert.Equal(1.0, (x - terms.Reconstruction).abs().sum().item<float>() / 3 / terms.Pixel.item<float>(), 5);
        Assert.Equal(1.0, (terms.Pixel.item<float>() + 2 * terms.Kl!.item<float>()) / terms.Total.item<float>(), 5);
    }

    [Fact]
    public void Psnr_is_measured_on_zero_to_one_images_with_the_reconstruction_clamped()
    {
        using var scope = NewDisposeScope();
        var black = full(2, 1, 4, 4, -1.0f);
        // [0, 1]: 0 against 0.5 → MSE 0.25 → −10·log10(0.25) = 6.02 dB, per image
        var psnr = LearnedTokenizerTrainer.Psnr(black, zeros(2, 1, 4, 4));
        Assert.Equal(new long[] { 2 }, psnr.shape);
        Assert.All(psnr.data<float>().ToArray(), v => Assert.Equal(-10 * Math.Log10(0.25), v, 4));
        // a reconstruction beyond the range is clamped to white first: MSE 1 → 0 dB (unclamped it would be −6.02)
        Assert.Equal(0.0, LearnedTokenizerTrainer.Psnr(black, full(2, 1, 4, 4, 3.0f))[0].item<float>(), 5);
        // a perfect reconstruction is capped at MSE 10⁻¹⁰ → 100 dB
        Assert.Equal(100.0, LearnedTokenizerTrainer.Psnr(black, black)[1].item<float>(), 3);
        // per image: one image off by 0.5 in [0, 1] on a quarter of its pixels → MSE 1/16 → 12.04 dB
        var half = black.clone();
        half[1, 0, ..2, ..2] = tensor(0.0f);
        var mixed = LearnedTokenizerTrainer.Psnr(black, half);
        Assert.Equal(100.0, mixed[0].item<float>(), 3);
        Assert.Equal(-10 * Math.Log10(0.25 / 4), mixed[1].item<float>(), 4);
    }

    [Theory]
    [InlineData("patch-vae")]
    [InlineData("patch-ae")]
    public void Evaluation_and_latent_moments_in_chunks_equal_their_whole_batch_definitions(string kind)
    {
        using var scope = NewDisposeScope();
        using var model = LearnedTokenizerTrainer.Create(new LearnedTokenizerSpec { Kind = kind, Patch = 4, LatentDim = 3 }, 1, new Generator(7, CPU));
        model.ScaleFactor = 0.5;
        var images = LearnedTokenizerTestData.ShapesUint8(10, seed: 8);
        var x = TrainingData.ToModelInput(images);

        // chunks of 3 (3 + 3 + 3 + 1) against one pass over all 10 images
        var evaluation = LearnedTokenizerTrainer.Evaluate(model, images, chunk: 3);
        using (no_grad())
        {
            var z = model.Encode(x).to_type(ScalarType.Float64);
            var psnr = LearnedTokenizerTrainer.Psnr(x, model.Decode(model.Encode(x))).to_type(ScalarType.Float64).mean().item<double>();
            Assert.Equal(psnr, evaluation.Psnr, 4);
            Assert.Equal(z.std(unbiased: false).item<double>(), evaluation.LatentStd, 5);
            var (mean, logVar) = model.Posterior(x);
            if (logVar is null) Assert.Null(evaluation.PosteriorStd);
            else Assert.Equal((0.5 * logVar.to_type(ScalarType.Float64)).exp().mean().item<double>() * 0.5, evaluation.PosteriorStd!.Value, 5);

            // raw posterior means: the mean and the unbiased std of all their values
            var raw = mean.to_type(ScalarType.Float64);
            var (m, s) = LearnedTokenizerTrainer.LatentMoments(model, images, chunk: 4);
            Assert.Equal(raw.mean().item<double>(), m, 6);
            Assert.Equal(raw.std(unbiased: true).item<double>(), s, 6);
        }
    }

    [Fact]
    public void Perceptual_cache_key_covers_the_options_and_every_tensor_of_both_splits()
    {
        using var scope = NewDisposeScope();
        var train = LearnedTokenizerTestData.ShapesUint8(6, seed: 1);
        var test = LearnedTokenizerTestData.ShapesUint8(4, seed: 2);
        var trainLabels = LearnedTokenizerTestData.Labels(6);
        var testLabels = LearnedTokenizerTestData.Labels(4);
        var options = new PerceptualTrainOptions();
        string key = LearnedTokenizerTrainer.PerceptualCacheKey(options, train, trainLabels, test, testLabels);
        Assert.Matches("^[0-9a-f]{12}$", key);
        Assert.Equal(key, LearnedTokenizerTrainer.PerceptualCacheKey(options, train.clone(), trainLabels.clone(), test.clone(), testLabels.clone()));

        var changedPixel = train.clone();
        changedPixel[0, 0, 0, 0] = tensor((byte)(train[0, 0, 0, 0].item<byte>() ^ 1));
        var changedLabel = testLabels.clone();
        changedLabel[0] = tensor(9L);
        string[] others =
        [
            LearnedTokenizerTrainer.PerceptualCacheKey(options with { Epochs = options.Epochs + 1 }, train, trainLabels, test, testLabels),
            LearnedTokenizerTrainer.PerceptualCacheKey(options, changedPixel, trainLabels, test, testLabels),
            LearnedTokenizerTrainer.PerceptualCacheKey(options, train, trainLabels + 1, test, testLabels),
            LearnedTokenizerTrainer.PerceptualCacheKey(options, train, trainLabels, test.bitwise_not(), testLabels),
            LearnedTokenizerTrainer.PerceptualCacheKey(options, train, trainLabels, test, changedLabel),
            // the same bytes in another shape are other data
            LearnedTokenizerTrainer.PerceptualCacheKey(options, train.reshape(3, 2, 16, 16), trainLabels, test, testLabels),
        ];
        Assert.DoesNotContain(key, others);
        Assert.Equal(others.Length, others.Distinct().Count());
    }
}
