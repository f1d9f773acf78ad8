using LDae.Method.Baselines;
using LDae.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using LDae.Tests.Method;

namespace LDae.Tests.Method.Baselines;

public class MaskedAutoencoderTests
{
    const int Size = 16, P = 4, Tokens = Size / P * (Size / P);

    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    static MaskedAutoencoder Tiny(long seed = 0, MaeOptions? options = null)
    {
        using var g = new Generator((ulong)seed, CPU);
        var o = options ?? new MaeOptions();
        return new MaskedAutoencoder(Size, 1, P, width: 32, encoderDepth: 2, heads: 2, mlpRatio: 2, o.DecoderWidth(32, 2), o.DecoderDepth(2), o, g);
    }

    [Theory]
    [InlineData(16, 0.75, 4)]
    [InlineData(64, 0.75, 16)]
    [InlineData(10, 0.75, 2)]   // ⌊10 · 0.25⌋, as MAE's int(L · (1 − ratio))
    [InlineData(16, 0.0, 16)]
    public void Masking_keeps_exactly_the_right_count_per_image(int tokens, double ratio, int kept)
    {
        using var g = new Generator(3, CPU);
        var (keep, mask) = RandomMasking.Draw(5, tokens, ratio, g);
        Assert.Equal(new long[] { 5, kept }, keep.shape);
        Assert.Equal(new long[] { 5, tokens }, mask.shape);
        for (int i = 0; i < 5; i++)
        {
            var indices = keep[i].data<long>().ToArray();
            Assert.Equal(kept, indices.Distinct().Count());
            Assert.Equal(tokens - kept, (int)mask[i].sum().item<float>());
            Assert.All(indices, j => Assert.Equal(0f, mask[i, j].item<float>()));   // kept patches are the unmasked ones
        }
    }

    [Fact]
    public void Masking_is_a_function_of_the_seed()
    {
        (Tensor, Tensor) Draw(ulong seed) { using var g = new Generator(seed, CPU); return RandomMasking.Draw(8, Tokens, 0.75, g); }
        var (a, _) = Draw(7);
        var (b, _) = Draw(7);
        var (c, _) = Draw(8);
        Assert.True(TensorAssert.Identical(a, b));
        Assert.False(TensorAssert.Identical(a, c));
        // images of one batch are masked independently
        Assert.False(TensorAssert.Identical(a[0], a[1]) && TensorAssert.Identical(a[1], a[2]));
    }

    [Fact]
    public void Mask_ratio_outside_0_to_1_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomMasking.KeptCount(16, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomMasking.KeptCount(16, -0.1));
    }

    [Fact]
    public void The_loss_ignores_the_visible_patches()
    {
        using var g = new Generator(1, CPU);
        var target = randn([2, Tokens, 12], generator: g);
        var mask = zeros([2, Tokens]);
        mask[.., 0..12] = ones([2, 12]);                                        // first 12 patches masked, 4 visible
        var prediction = target.clone();
        prediction[.., 12..] = randn([2, 4, 12], generator: g) * 100;            // wrong only where visible
        Assert.Equal(0.0, MaskedAutoencoder.MaskedPatchLoss(prediction, target, mask).item<float>(), 6);

        var off = target.clone();
        off[.., 0..12] += 2;                                                     // off by 2 on every masked value
        Assert.Equal(4.0, MaskedAutoencoder.MaskedPatchLoss(off, target, mask).item<float>(), 5);
    }

    [Fact]
    public void The_normalised_pixel_target_has_zero_mean_and_unit_variance_per_patch()
    {
        using var g = new Generator(2, CPU);
        var patches = rand([3, Tokens, 16], generator: g) * 5 + 3;
        var target = MaskedAutoencoder.Target(patches, normalise: true);
        Assert.True(target.mean([-1]).abs().max().item<float>() < 1e-5);
        Assert.True((target.var(-1) - 1).abs().max().item<float>() < 1e-3);
        Assert.True(TensorAssert.Identical(MaskedAutoencoder.Target(patches, normalise: false), patches));
    }

    [Fact]
    public void The_decoder_is_lighter_than_the_encoder_as_in_MAE()
    {
        Assert.Equal(8, new MaeOptions().DecoderDepth(12));
        Assert.Equal(512, new MaeOptions().DecoderWidth(768, 16));
        Assert.Equal(504, new MaeOptions().DecoderWidth(768, 12));     // rounded to a multiple of lcm(4, 12)
        using var mae = Tiny();
        Assert.Equal(1, mae.DecoderDepth);
        Assert.Equal(20, mae.DecoderWidth);                              // ⌊32 · 2/3⌋ = 21 → a multiple of 4
    }

    [Fact]
    public void The_loss_is_reproducible_per_seed_and_features_are_the_encoder_width()
    {
        using var mae = Tiny();
        var images = SyntheticShapes.Make(4, 1, Size, seed: 5);
        float Loss(ulong seed) { using var g = new Generator(seed, CPU); using var parts = mae.Loss(images, null, g); return parts.Total.item<float>(); }
        Assert.Equal(Loss(11), Loss(11));
        Assert.NotEqual(Loss(11), Loss(12));
        using var features = mae.Features(images);
        Assert.Equal(new long[] { 4, 32 }, features.shape);
    }

    [Fact]
    public void A_small_run_learns()
    {
        var (first, last) = BaselineTraining.LossBeforeAndAfter(Tiny(), steps: 60, lr: 2e-3);
        Assert.True(last < 0.8 * first, $"MAE loss {first:0.000} → {last:0.000}");
    }
}
