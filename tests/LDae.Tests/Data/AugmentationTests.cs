using LDae.Data;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Data;

public sealed class AugmentationTests
{
    public AugmentationTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static Tensor Batch(int n = 8, int h = 12, int w = 12)
    {
        using var g = new Generator(11);
        return rand([n, 3, h, w], generator: g) * 2 - 1;
    }

    [Fact]
    public void Center_crop_is_the_identity_and_draws_no_random_numbers()
    {
        using var x = Batch();
        using var g = new Generator(5);
        using var before = g.get_state();
        using var y = Augmentation.CenterCrop.Apply(x, g);
        Assert.True(DataTestFiles.Equal(x, y));
        using var after = g.get_state();
        Assert.True(DataTestFiles.Equal(before, after));
        Assert.Same(Augmentation.CenterCrop, Augmentation.FromName("center-crop"));
        Assert.True(Augmentation.CenterCrop.IsIdentity);
    }

    [Fact]
    public void Random_crop_is_deterministic_given_the_generator_and_changes_the_images()
    {
        using var x = Batch();
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var g3 = new Generator(43);
        using var a = Augmentation.RandomCrop.Apply(x, g1);
        using var b = Augmentation.RandomCrop.Apply(x, g2);
        using var c = Augmentation.RandomCrop.Apply(x, g3);
        Assert.Equal(x.shape, a.shape);
        Assert.True(DataTestFiles.Equal(a, b));
        Assert.False(DataTestFiles.Equal(a, c));
        Assert.False(DataTestFiles.Equal(a, x));
        // The generator advanced: a second call on g1 gives another augmentation.
        using var a2 = Augmentation.RandomCrop.Apply(x, g1);
        Assert.False(DataTestFiles.Equal(a, a2));
        Assert.Same(Augmentation.RandomCrop, Augmentation.FromName("Random-Crop"));
    }

    [Fact]
    public void Random_crop_has_maes_ranges()
    {
        var r = Augmentation.RandomCrop;
        Assert.Equal((0.2, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5), (r.MinScale, r.MaxScale, r.MinRatio, r.MaxRatio, r.FlipProbability));
        Assert.False(r.IsIdentity);
        Assert.Throws<ArgumentException>(() => Augmentation.FromName("mild"));
    }

    [Fact]
    public void Bilinear_crops_stay_within_each_images_value_range()
    {
        using var x = Batch(16);
        using var g = new Generator(1);
        using var y = Augmentation.RandomCrop.Apply(x, g);
        using var xmin = x.amin([1, 2, 3]);
        using var xmax = x.amax([1, 2, 3]);
        using var ymin = y.amin([1, 2, 3]);
        using var ymax = y.amax([1, 2, 3]);
        Assert.True(ymin.ge(xmin - 1e-5).all().item<bool>());
        Assert.True(ymax.le(xmax + 1e-5).all().item<bool>());
    }

    [Fact]
    public void A_full_crop_with_certain_flip_is_exactly_a_mirror()
    {
        // A 7×9 image with area 1 and its own aspect ratio 9/7: the crop is the whole image.
        using var x = Batch(4, 7, 9);
        var flipOnly = new Augmentation("flip", 1, 1, 9.0 / 7, 9.0 / 7, flipProbability: 1);
        var cropOnly = new Augmentation("full-crop", 1, 1, 9.0 / 7, 9.0 / 7, flipProbability: 0);
        using var g = new Generator(3);
        using var flipped = flipOnly.Apply(x, g);
        using var same = cropOnly.Apply(x, g);
        using var mirror = x.flip(3);
        Assert.True(flipped.allclose(mirror, rtol: 0, atol: 1e-5));
        Assert.True(same.allclose(x, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Flips_happen_about_half_the_time_and_crops_zoom_in()
    {
        // Images that are a horizontal ramp: after a crop + optional flip the ramp's direction reveals the flip,
        // and its spread (max − min along x) the crop width.
        const int n = 400, size = 16;
        using var ramp = linspace(-1, 1, size).reshape(1, 1, 1, size).expand(n, 1, size, size).contiguous();
        using var g = new Generator(7);
        using var y = Augmentation.RandomCrop.Apply(ramp, g);
        using var slope = y[.., 0, size / 2, -1] - y[.., 0, size / 2, 0];
        double flippedFraction = slope.lt(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(flippedFraction, 0.4, 0.6);
        double meanSpread = slope.abs().mean().item<float>() / 2 * size / (size - 1);
        // Crop width fraction is sqrt(area·ratio) with area ~ U(0.2, 1): mean ≈ 0.76, never above 1.
        Assert.InRange(meanSpread, 0.62, 0.88);
        Assert.True(slope.abs().max().item<float>() <= 2 + 1e-4);
    }

    [Fact]
    public void When_no_attempt_fits_the_crop_is_the_centred_largest_square_of_a_wide_image()
    {
        // Ratio fixed at 1 on a 4×8 image with area 1: a square of area 32 never fits, so torchvision's fallback
        // applies — the full height, width clamped to ratio 1, centred: columns 2..5.
        using var x = Batch(2, 4, 8);
        var square = new Augmentation("square", 1, 1, 1, 1, flipProbability: 0);
        using var g = new Generator(0);
        using var y = square.Apply(x, g);
        using var centre = x[.., .., .., 2..6];
        using var upsampled = nn.functional.interpolate(centre, [4, 8], mode: InterpolationMode.Bilinear, align_corners: false);
        // Inner columns equal crop-then-resize; the outermost ones differ by design: grid_sample samples the image
        // at x = 1.75 (a blend with the neighbour outside the crop) where interpolate clamps to the crop's edge.
        Assert.True(y[.., .., .., 1..7].allclose(upsampled[.., .., .., 1..7], rtol: 0, atol: 1e-5));
        using var expectedEdge = x[.., .., .., 1] * 0.25 + x[.., .., .., 2] * 0.75;
        Assert.True(y[.., .., .., 0].allclose(expectedEdge, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Invalid_inputs_are_rejected()
    {
        using var g = new Generator(0);
        using var bytes = zeros([1, 3, 4, 4], ScalarType.Byte);
        Assert.Throws<ArgumentException>(() => Augmentation.RandomCrop.Apply(bytes, g));
        Assert.Throws<ArgumentException>(() => Augmentation.FromName("strong"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Augmentation("bad", 0.5, 0.4, 1, 1, 0.5));
    }
}
