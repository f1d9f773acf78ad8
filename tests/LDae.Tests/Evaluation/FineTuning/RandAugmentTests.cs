using LDae.Evaluation.FineTuning;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation.FineTuning;

public class RandAugmentTests
{
    public RandAugmentTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static Tensor Images(long seed, long channels = 3) { using var g = new Generator((ulong)seed, CPU); return rand([6, channels, 8, 8], generator: g); }
    static Tensor Levels(double v) => full([6], v, ScalarType.Float32);

    [Theory]
    [InlineData("color")]
    [InlineData("contrast")]
    [InlineData("brightness")]
    [InlineData("sharpness")]
    [InlineData("rotate")]
    [InlineData("shear-x")]
    [InlineData("translate-y")]
    public void Operations_at_level_zero_leave_the_image(string op)
    {
        using var u = Images(1);
        using var zero = Levels(0);
        using var y = RandAugment.Operation(op, u, zero, zero);
        Assert.True(y.allclose(u, atol: 1e-5), op);
    }

    [Fact]
    public void Invert_solarize_posterize_and_brightness_do_what_their_names_say()
    {
        using var u = Images(2);
        using var zero = Levels(0);
        using var full1 = Levels(1);
        using var inverted = RandAugment.Operation("invert", u, zero, zero);
        Assert.True(inverted.allclose(1 - u, atol: 1e-6));
        // level 1: threshold 0, every pixel inverted
        using var solarized = RandAugment.Operation("solarize", u, full1, full1);
        Assert.True(solarized.allclose(1 - u, atol: 1e-6));
        // level 1: 4 − 4 = 0 bits: black
        using var posterized = RandAugment.Operation("posterize", u, full1, full1);
        Assert.Equal(0f, posterized.abs().max().item<float>());
        // level 0.5: 2 bits, 4 levels of 64
        using var half = Levels(0.5);
        using var twoBits = RandAugment.Operation("posterize", u, half, half);
        using var steps = (twoBits * 255 / 64).frac();
        Assert.True(steps.abs().max().item<float>() < 1e-4);
        // brightness with factor 1 − 0.9: a tenth of the image
        using var minus = Levels(-1);
        using var dark = RandAugment.Operation("brightness", u, full1, minus);
        Assert.True(dark.allclose(u * 0.1, atol: 1e-5));
    }

    [Fact]
    public void Translate_shifts_the_image_by_the_fraction_of_its_side()
    {
        using var u = zeros([1, 1, 8, 8]);
        u[0, 0, .., 2] = tensor(1f);
        using var level = full([1], 0.25 / 0.45, ScalarType.Float32); // 0.45·ℓ = a quarter of the side = 2 pixels
        using var y = RandAugment.Operation("translate-x", u, level, level);
        Assert.Equal(1f, y[0, 0, 3, 0].item<float>(), 4);   // column 2 moved to column 0 (output x reads input x + 2)
        Assert.Equal(0.5f, y[0, 0, 3, 7].item<float>(), 4); // filled with mid-grey where the input is left behind
    }

    [Fact]
    public void Equalize_spreads_a_narrow_histogram_over_the_range()
    {
        using var g = new Generator(3, CPU);
        using var u = (rand([2, 1, 16, 16], generator: g) * 0.2 + 0.4);
        using var zero = Levels(0);
        using var y = RandAugment.Operation("equalize", u, zero[..2], zero[..2]);
        Assert.True(y.min().item<float>() < 0.05 && y.max().item<float>() > 0.9, $"{y.min().item<float>()} … {y.max().item<float>()}");
    }

    [Fact]
    public void The_batch_transform_is_a_function_of_its_generator_and_stays_in_range()
    {
        using var u = Images(4, 1) * 2 - 1;
        var o = new RandAugmentOptions(2, 9, 0.5);
        using var g1 = new Generator(11, CPU);
        using var g2 = new Generator(11, CPU);
        using var a = RandAugment.Apply(u, o, g1);
        using var b = RandAugment.Apply(u, o, g2);
        Assert.True(a.allclose(b, rtol: 0, atol: 0));
        Assert.False(a.allclose(u, rtol: 0, atol: 0));
        Assert.True(a.min().item<float>() >= -1 && a.max().item<float>() <= 1);
        using var off = RandAugment.Apply(u, o with { Operations = 0 }, g1);
        Assert.True(off.allclose(u, rtol: 0, atol: 0));
    }
}
