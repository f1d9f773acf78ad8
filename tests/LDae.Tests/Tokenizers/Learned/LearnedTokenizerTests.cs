using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using LDae.Tokenizers.Learned;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>Architecture-level behaviour of the conv VAE, patch-wise VAE and patch-wise AE (no training loop).</summary>
public class LearnedTokenizerTests
{
    public LearnedTokenizerTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static LearnedTokenizer Make(string kind, int p, int d, int c, ulong seed = 0)
    {
        using var g = new Generator(seed, CPU);
        return LearnedTokenizerTrainer.Create(new LearnedTokenizerSpec { Kind = kind, Patch = p, LatentDim = d }, c, g);
    }

    [Theory]
    [InlineData("conv-vae", 4, 3, 1)]
    [InlineData("conv-vae", 8, 4, 3)]
    [InlineData("patch-vae", 4, 5, 1)]
    [InlineData("patch-vae", 8, 4, 3)]
    [InlineData("patch-ae", 4, 2, 3)]
    [InlineData("patch-ae", 8, 6, 1)]
    public void Latent_grid_is_N_by_d_by_H_over_p_by_W_over_p(string kind, int p, int d, int c)
    {
        using var scope = NewDisposeScope();
        using var model = Make(kind, p, d, c);
        Assert.Equal(kind, model.Kind);
        Assert.Equal(p, model.Patch);
        Assert.Equal(d, model.LatentDim);
        Assert.Equal(c, model.ImageChannels);
        Assert.Equal(kind != "patch-ae", model.IsVariational);

        var x = SyntheticShapes.Make(3, c, 32, seed: 5)[.., .., .., ..24];       // non-square: 32×24
        var z = model.Encode(x);
        Assert.Equal(new long[] { 3, d, 32 / p, 24 / p }, z.shape);
        var back = model.Decode(z);
        Assert.Equal(x.shape, back.shape);
        Assert.False(back.isnan().any().item<bool>());

        Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, c, 32 + p / 2, 32)));   // not divisible by p
        Assert.Throws<ArgumentException>(() => model.Decode(zeros(1, d + 1, 2, 2)));
    }

    [Theory]
    [InlineData("patch-ae")]
    [InlineData("patch-vae")]
    public void Patch_tokenizers_are_linear_maps_V_and_U_transposed_per_patch(string kind)
    {
        // The paper: encoder V and decoder U are d×D matrices applied to each flattened patch (plus a bias here,
        // standing in for PCA's centring). Encode(x) − Encode(0) = V·patches(x); Decode(z) − Decode(0) = Uᵀz.
        using var scope = NewDisposeScope();
        const int p = 4, d = 3, c = 3;
        using var model = Make(kind, p, d, c, seed: 4);
        var (v, ut) = model switch
        {
            PatchAe ae => (ae.EncoderMatrix, ae.DecoderMatrix),
            PatchVae vae => (vae.EncoderMatrix, vae.DecoderMatrix),
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(new long[] { d, p * p * c }, v.shape);
        Assert.Equal(new long[] { p * p * c, d }, ut.shape);

        var x = SyntheticShapes.Make(2, c, 16, seed: 6);
        var y = SyntheticShapes.Make(2, c, 16, seed: 7);
        var zero = zeros_like(x);
        Tensor Enc(Tensor images) => model.Posterior(images).Mean;
        var bias = Enc(zero);
        Assert.True(SyntheticShapes.MaxAbsDiff(Enc(0.3f * x + 2f * y) - bias, 0.3f * (Enc(x) - bias) + 2f * (Enc(y) - bias)) < 1e-4);
        var expected = Patches.Patchify(x, p).matmul(v.t());                          // N×L×d
        Assert.True(SyntheticShapes.MaxAbsDiff(Patches.GridToTokens(Enc(x) - bias), expected) < 1e-4);

        var z = randn(2, d, 4, 4, generator: new Generator(8, CPU));
        var decodedZero = model.DecodeUnscaled(zeros_like(z));
        var decoded = Patches.Patchify(model.DecodeUnscaled(z) - decodedZero, p);       // N×L×D
        Assert.True(SyntheticShapes.MaxAbsDiff(decoded, Patches.GridToTokens(z).matmul(ut.t())) < 1e-4);
    }

    [Theory]
    [InlineData("patch-ae", false)]
    [InlineData("patch-vae", true)]
    public void Patch_tokenizers_train_on_the_l2_reconstruction_plus_kl_for_the_vae(string kind, bool variational)
    {
        using var scope = NewDisposeScope();
        using var model = Make(kind, 4, 3, 1, seed: 2);
        var spec = new LearnedTokenizerSpec { Kind = kind, Patch = 4, LatentDim = 3 };
        Assert.Equal(ReconstructionLoss.L2, spec.ReconstructionLossOfKind);
        Assert.Equal(ReconstructionLoss.L1, (spec with { Kind = "conv-vae" }).ReconstructionLossOfKind);   // LDM's conv VAE
        var x = SyntheticShapes.Make(4, 1, 16, seed: 3);
        var terms = LearnedTokenizerTrainer.Loss(model, x, spec, null, null, new Generator(5, CPU));
        // ∥x − UᵀVx∥² summed over an image, averaged over the batch (with a VAE, x̂ decodes a posterior sample)
        Assert.Equal(1.0, (x - terms.Reconstruction).square().sum().item<float>() / 4 / terms.Pixel.item<float>(), 4);
        Assert.Equal(variational, terms.Kl is not null);
        double expected = terms.Pixel.item<float>() + (variational ? spec.KlWeight * terms.Kl!.item<float>() : 0);
        Assert.Equal(1.0, expected / terms.Total.item<float>(), 4);
        if (!variational)
            Assert.True(SyntheticShapes.MaxAbsDiff(terms.Reconstruction, model.DecodeUnscaled(model.Posterior(x).Mean)) < 1e-6);
    }

    [Fact]
    public void Conv_vae_needs_a_power_of_two_patch()
    {
        Assert.Throws<ArgumentException>(() => new ConvVae(6, 4, 1));
        Assert.Throws<ArgumentException>(() => new LearnedTokenizerSpec { Kind = "conv-vae", Patch = 7 }.Validate());
        new LearnedTokenizerSpec { Kind = "patch-vae", Patch = 7 }.Validate();     // patch-wise kinds take any p
    }

    [Fact]
    public void Encode_is_the_scaled_posterior_mean_and_decode_divides_the_scale_out()
    {
        using var scope = NewDisposeScope();
        using var model = Make("patch-vae", 4, 3, 1);
        var x = SyntheticShapes.Make(4, 1, 16, seed: 2);
        var (mean, logVar) = model.Posterior(x);
        Assert.NotNull(logVar);
        model.ScaleFactor = 0.25;
        Assert.True(SyntheticShapes.MaxAbsDiff(model.Encode(x), mean * 0.25) < 1e-6);
        Assert.True(SyntheticShapes.MaxAbsDiff(model.Decode(mean * 0.25), model.DecodeUnscaled(mean)) < 1e-5);
    }

    [Fact]
    public void Seeded_init_is_reproducible_and_sets_group_norms_to_identity()
    {
        using var a = Make("conv-vae", 4, 4, 1, seed: 3);
        using var b = Make("conv-vae", 4, 4, 1, seed: 3);
        using var c = Make("conv-vae", 4, 4, 1, seed: 4);
        var pa = a.state_dict();
        var pb = b.state_dict();
        var pc = c.state_dict();
        Assert.All(pa.Keys, k => Assert.True(TensorAssert.Identical(pa[k], pb[k]), k));
        Assert.Contains(pa.Keys, k => !TensorAssert.Identical(pa[k], pc[k]));
        // TorchSharp 0.107's GroupNorm leaves its affine parameters uninitialised; ours must start as the identity
        var norms = a.modules().OfType<GroupNorm>().ToList();
        Assert.NotEmpty(norms);
        Assert.All(norms, n =>
        {
            Assert.True(n.weight!.eq(1).all().item<bool>());
            Assert.True(n.bias!.eq(0).all().item<bool>());
        });
    }

    [Fact]
    public void Kl_is_zero_exactly_at_the_prior_and_positive_elsewhere()
    {
        using var scope = NewDisposeScope();
        var zero = zeros(2, 3, 4, 4);
        var atPrior = DiagonalGaussian.Kl(zero, zero);
        Assert.Equal(new long[] { 2 }, atPrior.shape);
        Assert.True(atPrior.eq(0).all().item<bool>());

        // μ = 1, log σ² = 0 → ½ μ² = 0.5 per value, 48 values per sample
        Assert.Equal(24.0, DiagonalGaussian.Kl(ones(2, 3, 4, 4), zero)[0].item<float>(), 4);
        // μ = 0, log σ² = ln 2 → ½ (2 − 1 − ln 2) per value
        var kl = DiagonalGaussian.Kl(zero, full(2, 3, 4, 4, Math.Log(2)))[1].item<float>();
        Assert.Equal(48 * 0.5 * (1 - Math.Log(2)), kl, 4);
        // a single value off the prior in either parameter makes it positive
        var mean = zeros(1, 1, 2, 2); mean[0, 0, 1, 1] = tensor(0.01f);
        var logVar = zeros(1, 1, 2, 2); logVar[0, 0, 0, 0] = tensor(-0.1f);
        Assert.True(DiagonalGaussian.Kl(mean, zeros(1, 1, 2, 2)).item<float>() > 0);
        Assert.True(DiagonalGaussian.Kl(zeros(1, 1, 2, 2), logVar).item<float>() > 0);
    }

    [Fact]
    public void Reparameterised_sample_has_the_posterior_moments_and_follows_the_generator()
    {
        using var scope = NewDisposeScope();
        var mean = full(1, 1, 200, 200, 0.5);
        var logVar = full(1, 1, 200, 200, Math.Log(0.09));        // σ = 0.3
        using var g1 = new Generator(9, CPU);
        using var g2 = new Generator(9, CPU);
        var a = DiagonalGaussian.Sample(mean, logVar, g1);
        var b = DiagonalGaussian.Sample(mean, logVar, g2);
        Assert.True(TensorAssert.Identical(a, b));
        Assert.Equal(0.5, a.mean().item<float>(), 2);
        Assert.Equal(0.3, a.std().item<float>(), 2);
    }

    [Fact]
    public void Hinge_losses_on_known_logits()
    {
        using var scope = NewDisposeScope();
        var real = tensor(new[] { 2f, 0.5f, -1f });     // relu(1 − real) = 0, 0.5, 2 → mean 5/6
        var fake = tensor(new[] { -2f, 0f, 0.5f });     // relu(1 + fake) = 0, 1, 1.5 → mean 5/6
        Assert.Equal(5.0 / 3.0, HingeGanLoss.Discriminator(real, fake).item<float>(), 5);
        Assert.Equal(0.5, HingeGanLoss.Generator(fake).item<float>(), 6);       // −mean(−2, 0, 0.5)
        // a discriminator that is right with margin has zero loss
        Assert.Equal(0.0, HingeGanLoss.Discriminator(full(4, 1.5), full(4, -1.0)).item<float>(), 6);
    }

    [Fact]
    public void Adaptive_weight_is_the_gradient_norm_ratio_at_the_last_layer()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new[] { 0.3f, -0.2f, 0.7f }).requires_grad_(true);
        var a = tensor(new[] { 3f, 0f, 4f });            // ‖∇ rec‖ = ‖a‖ = 5
        var b = tensor(new[] { 1f, 2f, 2f });            // ‖∇ g‖ = ‖b‖ = 3
        var rec = (w * a).sum();
        var gen = (w * b).sum();
        Assert.Equal(5.0 / (3.0 + AdaptiveWeight.Epsilon), AdaptiveWeight.Compute(rec, gen, w), 5);

        // the graphs are kept: the caller still backpropagates the total afterwards
        (rec + gen).backward();
        Assert.True(w.grad is not null && SyntheticShapes.MaxAbsDiff(w.grad, a + b) < 1e-6);

        // a generator loss with no gradient at L gives the clamp's upper end
        var flat = (w * zeros(3)).sum();
        Assert.Equal(AdaptiveWeight.Max, AdaptiveWeight.Compute((w * a * 1e3).sum(), flat, w), 3);
    }

    [Fact]
    public void Patch_discriminator_scores_each_receptive_field_patch()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(0, CPU);
        using var d = PatchDiscriminator.Create(3, g, width: 8, layers: 2);
        var logits = d.forward(SyntheticShapes.Make(2, 3, 32));
        Assert.Equal(new long[] { 2, 1, 7, 7 }, logits.shape);     // 32 → 16 → 8 → 7 (4×4 conv, stride 1, pad 1)
    }

    [Theory]
    [InlineData("conv-vae")]
    [InlineData("patch-vae")]
    [InlineData("patch-ae")]
    public void Save_then_load_gives_identical_encodings(string kind)
    {
        using var scope = NewDisposeScope();
        var dir = LearnedTokenizerTestData.TempDir("save-" + kind);
        using var model = Make(kind, 4, 3, 1, seed: 11);
        model.ScaleFactor = 0.37;
        var path = Path.Combine(dir, "t.bin");
        model.Save(path);
        using var loaded = LearnedTokenizer.Load(path);
        Assert.IsType(model.GetType(), loaded);
        Assert.Equal(0.37, loaded.ScaleFactor);
        Assert.All(loaded.parameters(), p => Assert.False(p.requires_grad));

        var x = SyntheticShapes.Make(4, 1, 16, seed: 3);
        Assert.True(TensorAssert.Identical(model.Encode(x), loaded.Encode(x)));
        var z = randn(2, 3, 4, 4);
        Assert.True(TensorAssert.Identical(model.Decode(z), loaded.Decode(z)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Load_rejects_other_files()
    {
        var dir = LearnedTokenizerTestData.TempDir("bad");
        var path = Path.Combine(dir, "x.bin");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.ThrowsAny<Exception>(() => LearnedTokenizer.Load(path));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Each_kind_rebuilds_from_its_own_architecture_numbers_only()
    {
        using var conv = ConvVae.FromConfig(4, 3, 1, [4, 2, 2]);
        Assert.Equal(new ConvVaeArchitecture(4, 2, 2), conv.Architecture);
        Assert.Contains("got 2", Assert.Throws<InvalidDataException>(() => ConvVae.FromConfig(4, 3, 1, [4, 2])).Message);
        Assert.Throws<InvalidDataException>(() => ConvVae.FromConfig(4, 3, 1, [4, 2, 2, 1]));
        using var vae = PatchVae.FromConfig(4, 3, 1, []);
        using var ae = PatchAe.FromConfig(4, 3, 1, []);
        Assert.Contains("got 1", Assert.Throws<InvalidDataException>(() => PatchVae.FromConfig(4, 3, 1, [8])).Message);
        Assert.Contains("got 1", Assert.Throws<InvalidDataException>(() => PatchAe.FromConfig(4, 3, 1, [8])).Message);
    }
}
