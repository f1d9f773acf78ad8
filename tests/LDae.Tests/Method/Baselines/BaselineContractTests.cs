using LDae.Method;
using LDae.Method.Baselines;
using LDae.Runtime;
using LDae.Tests.Method;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Method.Baselines;

/// <summary>
/// The recipes of the Table 4 baselines as their papers give them: MoCo v3's view distribution (colour jitter with
/// p = 0.8 and brightness 0.4, grayscale as ITU-R 601 luma with p = 0.2, solarisation with p = 0.2 on the second view
/// only) and head widths; MAE's kept-patch count; the read-out of k encoder blocks; and the argument checks.
/// </summary>
public class BaselineContractTests
{
    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    const int N = 4000;

    /// <summary>N constant images: the crop of a constant image is the same constant, so only the colour operations act.</summary>
    static Tensor Constant(params float[] channelValues) =>
        tensor(channelValues).reshape(1, channelValues.Length, 1, 1).expand(N, -1, 8, 8).contiguous();

    static double Fraction(Tensor condition) => condition.to_type(ScalarType.Float64).mean().item<double>();

    [Fact]
    public void Views_jitter_brightness_by_up_to_40_percent_in_80_percent_of_the_images()
    {
        using var scope = NewDisposeScope();
        // one channel at 0.5 in [0, 1]: brightness alone moves it (contrast, saturation and grayscale keep a constant gray)
        var (first, _) = MoCoV3Views.Draw(Constant(0f), new Generator(1, CPU));
        var value = (first[.., 0, 0, 0] + 1) / 2;
        Assert.InRange(Fraction((value - 0.5).abs() < 1e-5), 0.17, 0.23);
        Assert.InRange(value.min().item<float>(), 0.3f - 1e-3f, 0.3f + 2e-3f);
        Assert.InRange(value.max().item<float>(), 0.7f - 2e-3f, 0.7f + 1e-3f);
        Assert.InRange(value.mean().item<float>(), 0.49, 0.51);
        Assert.True(first.std([2, 3]).max().item<float>() < 1e-5, "a view of a constant image is constant");
    }

    [Fact]
    public void Only_the_second_view_is_solarised_in_20_percent_of_the_images()
    {
        using var scope = NewDisposeScope();
        // 0.9 in [0, 1]: after brightness it is in [0.54, 1], so a solarised view (1 − x) is the one below 0.5
        var (first, second) = MoCoV3Views.Draw(Constant(0.8f), new Generator(2, CPU));
        Assert.Equal(0, Fraction((first[.., 0, 0, 0] + 1) / 2 < 0.5));
        var solarised = (second[.., 0, 0, 0] + 1) / 2 < 0.5;
        Assert.InRange(Fraction(solarised), 0.17, 0.23);
        var solarisedValues = ((second[.., 0, 0, 0] + 1) / 2).masked_select(solarised);
        Assert.True(solarisedValues.max().item<float>() <= 0.46f + 1e-4f);
        Assert.True(solarisedValues.min().item<float>() >= 0f, "solarised x is 1 − x, in [0, 0.5]");
    }

    [Fact]
    public void Grayscale_views_are_the_luma_of_the_colour_in_20_percent_of_the_images()
    {
        using var scope = NewDisposeScope();
        // (0.8, 0.5, 0.2) in [0, 1]; jitter never makes the channels equal (factors stay ≥ 0.6), grayscale does
        var (first, _) = MoCoV3Views.Draw(Constant(0.6f, 0f, -0.6f), new Generator(3, CPU));
        var pixel = (first[.., .., 0, 0] + 1) / 2;                                   // N×3
        var gray = (pixel[.., 0] - pixel[.., 1]).abs().maximum((pixel[.., 1] - pixel[.., 2]).abs()) < 1e-5;
        Assert.InRange(Fraction(gray), 0.17, 0.23);
        // unjittered grayscale views hold the ITU-R 601 luma itself
        double luma = 0.299 * 0.8 + 0.587 * 0.5 + 0.114 * 0.2;
        long atLuma = ((pixel[.., 0] - luma).abs() < 1e-5).logical_and(gray).sum().item<long>();
        Assert.InRange(atLuma, 80, 240);                                              // ≈ N · 0.2 · 0.2 = 160
    }

    [Fact]
    public void Contrast_and_saturation_scale_the_colour_by_up_to_40_and_20_percent()
    {
        using var scope = NewDisposeScope();
        // (0.55, 0.5, 0.45) in [0, 1], a constant colour close to gray, so nothing clamps. Brightness b scales the
        // luma; contrast c (towards the mean luma) and saturation s (towards each pixel's luma) keep it and scale the
        // chroma: (R − luma)/luma = s·c·(R₀ − luma₀)/luma₀, with c ∈ [0.6, 1.4] and s ∈ [0.8, 1.2].
        var (first, _) = MoCoV3Views.Draw(Constant(0.1f, 0f, -0.1f), new Generator(4, CPU));
        var pixel = ((first[.., .., 0, 0] + 1) / 2).to_type(ScalarType.Float64);
        var luma = 0.299 * pixel[.., 0] + 0.587 * pixel[.., 1] + 0.114 * pixel[.., 2];
        double luma0 = 0.299 * 0.55 + 0.587 * 0.5 + 0.114 * 0.45;
        var coloured = (pixel[.., 0] - pixel[.., 2]).abs() > 1e-4;
        var product = ((pixel[.., 0] - luma) / luma * (luma0 / (0.55 - luma0))).masked_select(coloured);
        var jittered = product.masked_select((product - 1).abs() > 1e-4);
        Assert.InRange(Fraction((product - 1).abs() <= 1e-4) , 0.17, 0.23);            // no jitter: 20 % of the coloured views
        Assert.InRange(jittered.min().item<double>(), 0.48 - 1e-3, 0.56);
        Assert.InRange(jittered.max().item<double>(), 1.58, 1.68 + 1e-3);
        Assert.InRange(jittered.mean().item<double>(), 0.97, 1.03);
    }

    [Fact]
    public void The_momentum_update_after_each_step_uses_the_scheduled_coefficient()
    {
        using var moco = new MoCoV3(16, 1, 4, width: 24, encoderDepth: 1, heads: 2, mlpRatio: 2, new MoCoV3Options(), new Generator(0, CPU));
        var named = moco.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var online = named["projector.layers.0.weight"];
        var momentum = named["momentumProjector.layers.0.weight"];
        using (no_grad()) online.add_(1.0);
        using var before = momentum.clone();
        moco.AfterOptimizerStep(50, 100);                                             // m = 0.995 halfway
        using var expected = before * 0.995 + online * 0.005;
        Assert.True(momentum.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void The_vit_initialisation_is_seeded_xavier_with_zero_biases()
    {
        using var a = new VitEncoder(16, 1, 4, width: 24, depth: 1, heads: 2, mlpRatio: 2, new Generator(7, CPU));
        using var b = new VitEncoder(16, 1, 4, width: 24, depth: 1, heads: 2, mlpRatio: 2, new Generator(7, CPU));
        foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(TensorAssert.Identical(p, q), name);
        var linears = a.modules().OfType<TorchSharp.Modules.Linear>().ToList();
        Assert.NotEmpty(linears);
        foreach (var linear in linears)
        {
            Assert.Equal(0f, linear.bias!.abs().max().item<float>());
            long fanOut = linear.weight!.shape[0], fanIn = linear.weight.shape[1];
            Assert.True(linear.weight.abs().max().item<float>() <= Math.Sqrt(6.0 / (fanIn + fanOut)));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new MaskedAutoencoder(16, 1, 4, 24, 1, 2, 2, 8, 1, new MaeOptions { MaskRatio = 1 }, new Generator(0, CPU)));
        // the MLP heads of MoCo v3 are seeded too
        using var m1 = new MoCoV3(16, 1, 4, width: 24, encoderDepth: 1, heads: 2, mlpRatio: 2, new MoCoV3Options(), new Generator(7, CPU));
        using var m2 = new MoCoV3(16, 1, 4, width: 24, encoderDepth: 1, heads: 2, mlpRatio: 2, new MoCoV3Options(), new Generator(7, CPU));
        foreach (var ((name, p), (_, q)) in m1.named_parameters().Zip(m2.named_parameters()))
            Assert.True(TensorAssert.Identical(p, q), name);
        // MAE's recipe: normalised-pixel target; its mask token and decoder blocks are seeded
        Assert.True(new MaeOptions().NormPixLoss);
        using var mae1 = new MaskedAutoencoder(16, 1, 4, 24, 1, 2, 2, 16, 1, new MaeOptions(), new Generator(7, CPU));
        using var mae2 = new MaskedAutoencoder(16, 1, 4, 24, 1, 2, 2, 16, 1, new MaeOptions(), new Generator(7, CPU));
        var p2 = mae2.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in mae1.named_parameters())
            Assert.True(TensorAssert.Identical(p, p2[name]), name);
        // every linear, the decoder's embedding and prediction layers included, is Xavier-uniform with zero bias
        foreach (var (name, p) in mae1.named_parameters().Where(p => p.name.StartsWith("decoderEmbed.") || p.name.StartsWith("decoderPred.")))
        {
            if (name.EndsWith(".bias")) Assert.Equal(0, p.abs().max().item<float>());
            else Assert.True(p.abs().max().item<float>() <= Math.Sqrt(6.0 / (p.shape[0] + p.shape[1])) + 1e-6, name);
        }
        Assert.InRange(mae1.named_parameters().Single(p => p.name == "maskToken").parameter.std().item<float>(), 0.01, 0.03);
        // the decoder blocks' MLP is decoder width × mlp ratio wide: 16 · 2 = 32
        var decoderShapes = mae1.named_parameters().Where(p => p.name.StartsWith("decoderBlocks.")).Select(p => string.Join("×", p.parameter.shape)).ToList();
        Assert.Contains("32×16", decoderShapes);
        Assert.Contains("16×32", decoderShapes);
    }

    [Fact]
    public void Mocov3_heads_and_momentum_follow_its_recipe()
    {
        var o = new MoCoV3Options();
        Assert.Equal((4096, 256), (o.HiddenWidth(768), o.OutputWidth(768)));
        Assert.Equal((1, 1), (o.HiddenWidth(0), o.OutputWidth(1)));
        Assert.Equal(1.0, o.MomentumAt(150, 100), 12);                                // past the end: still 1
        Assert.Equal(0.99, o.MomentumAt(-5, 100), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => o.MomentumAt(0, 0));
        Assert.Throws<ArgumentException>(() => new ProjectionMlp(1, 4, 8, 2));
        using var moco = new MoCoV3(16, 1, 4, width: 24, encoderDepth: 2, heads: 2, mlpRatio: 2, o, new Generator(0, CPU));
        foreach (double m in new[] { -0.1, 1.1, double.NaN })
            Assert.Throws<ArgumentOutOfRangeException>(() => moco.UpdateMomentum(m));
        moco.UpdateMomentum(0);
        moco.UpdateMomentum(1);
        Assert.True(moco.AugmentsItself);
        using var images = SyntheticShapes.Make(2, 1, 16, seed: 1);
        Assert.Equal(new long[] { 2, 24 }, moco.Features(images).shape);
    }

    [Fact]
    public void The_projection_head_ends_in_a_batch_norm_without_affine_parameters()
    {
        using var head = new ProjectionMlp(3, 8, 16, 4);
        // no bias before a batch norm (it would be cancelled) and no running statistics
        Assert.All(head.modules().OfType<TorchSharp.Modules.Linear>(), l => Assert.Null(l.bias));
        Assert.Empty(head.named_buffers());
        var norms = head.modules().OfType<TorchSharp.Modules.BatchNorm1d>().ToList();
        Assert.Equal(3, norms.Count);
        Assert.All(norms.Take(2), n => Assert.NotNull(n.weight));
        Assert.Null(norms[^1].weight);
        Assert.Equal(2, head.modules().OfType<TorchSharp.Modules.ReLU>().Count());
        Assert.Equal(new long[] { 5, 4 }, head.forward(randn(5, 8, generator: new Generator(1, CPU))).shape);
    }

    [Fact]
    public void At_least_one_patch_stays_visible_in_ascending_order()
    {
        Assert.Equal(1, RandomMasking.KeptCount(2, 0.9));
        Assert.Equal(4, RandomMasking.KeptCount(16, 0.75));
        Assert.Equal(16, RandomMasking.KeptCount(16, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomMasking.KeptCount(16, double.NaN));
        using var g = new Generator(4, CPU);
        var (kept, _) = RandomMasking.Draw(6, 16, 0.5, g);
        var sorted = kept.sort(1).Values;
        Assert.True(TensorAssert.Identical(kept, sorted));
        Assert.Equal(1, new MaeOptions().DecoderDepth(1));
        Assert.Equal(12, new MaeOptions().DecoderWidth(4, 12));                      // at least one lcm(4, heads)
    }

    [Fact]
    public void The_baseline_readout_is_the_encoder_after_k_blocks_with_the_final_norm_only_after_the_last()
    {
        using var scope = NewDisposeScope();
        using var encoder = new VitEncoder(16, 1, 4, width: 24, depth: 3, heads: 2, mlpRatio: 2, new Generator(1, CPU));
        var images = SyntheticShapes.Make(2, 1, 16, seed: 3);
        Assert.Equal(3, BaselineReadout.Blocks(null, encoder));
        Assert.Equal(2, BaselineReadout.Blocks(new ProbeReadout(Blocks: 2), encoder));
        var two = BaselineReadout.Features(encoder, images, new ProbeReadout(Blocks: 2), meanPool: false);
        var tokens = encoder.Embed(encoder.Patchify(images));
        var h = encoder.Blocks[1].forward(encoder.Blocks[0].forward(tokens, null), null);
        Assert.True(SyntheticShapes.MaxAbsDiff(two, h) < 1e-5);
        var all = BaselineReadout.Features(encoder, images, null, meanPool: true);
        var expected = encoder.Norm.forward(encoder.Blocks[2].forward(h, null)).mean([1]);
        Assert.True(SyntheticShapes.MaxAbsDiff(all, expected) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(BaselineReadout.Tokens(encoder, images, new ProbeReadout(Blocks: 2)), h) < 1e-5);

        Assert.Null(encoder.Layers(2).Norm);
        Assert.Same(encoder.Norm, encoder.Layers(3).Norm);
        Assert.Equal(2, encoder.Layers(2).Blocks.Count);
        Assert.Contains("cannot read after 0", Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode(tokens, 0)).Message);
        Assert.True(SyntheticShapes.MaxAbsDiff(encoder.Encode(tokens, 1), encoder.Blocks[0].forward(tokens, null)) < 1e-6);
        // tokens = patch embedding + the fixed 2-D sin-cos position embedding; blocks of hidden width·mlpRatio
        var patches = encoder.Patchify(images);
        var embedded = encoder.PatchEmbedding.forward(patches) + LDae.Models.PositionEmbedding.SinCos2D(24, 4).unsqueeze(0);
        Assert.True(SyntheticShapes.MaxAbsDiff(tokens, embedded) < 1e-5);
        Assert.Contains(encoder.named_parameters(), p => p.name.StartsWith("blocks.0.") && p.parameter.shape.SequenceEqual(new long[] { 48, 24 }));
        using (var rgb = new VitEncoder(16, 3, 4, 24, 1, 2, 2, new Generator(1, CPU))) Assert.Equal(48, rgb.PatchDim);
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode(tokens, 4));
        Assert.Contains("18", Assert.Throws<ArgumentException>(() => new VitEncoder(18, 1, 4, 24, 3, 2, 2, new Generator(1, CPU))).Message);
        Assert.Contains("got 0", Assert.Throws<ArgumentException>(() => new VitEncoder(16, 1, 4, 24, 0, 2, 2, new Generator(1, CPU))).Message);
    }
}
