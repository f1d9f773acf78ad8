using LDae.Kernels;
using LDae.Runtime;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

/// <summary>
/// The kernels give the same bits in both machine forms of their sixteen lanes (<see cref="Wide16"/>, one Vector512;
/// <see cref="Pair16"/>, two Vector256), so a result does not depend on whether the CPU has AVX-512. Both forms run
/// on any CPU (.NET emulates whichever it lacks), so this holds on every machine the tests run on.
/// </summary>
public class Lanes16Tests
{
    public Lanes16Tests() => TorchRuntime.EnsureLoaded(threads: 1);

    static float[] Random(int count, int seed, float spread)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * spread)).ToArray();
    }

    static float[] Exp<V>(float[] x) where V : struct, ILanes16<V>
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += 16) SimdMath.Exp(V.Load(ref x[i], 0)).Store(ref y[i], 0);
        return y;
    }

    [Fact]
    public void Exp_gives_the_same_bits_in_both_forms()
    {
        float[] special = [0f, -0f, 200f, -200f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 88.5f, -87.5f];
        var x = Random(16_000, 3, 90f).Concat(special).Concat(new float[16 - special.Length]).ToArray();
        Assert.Equal(Exp<Wide16>(x), Exp<Pair16>(x));
    }

    [Fact]
    public void Gelu_forward_and_backward_give_the_same_bits_in_both_forms()
    {
        var x = Random(16 * 301 + 7, 5, 8f);   // a partial last vector too
        var g = Random(x.Length, 6, 1f);
        float[] yWide = new float[x.Length], yPair = new float[x.Length], dWide = new float[x.Length], dPair = new float[x.Length];
        GeluTanh.Forward<Wide16>(x, yWide);
        GeluTanh.Forward<Pair16>(x, yPair);
        GeluTanh.Backward<Wide16>(x, g, dWide);
        GeluTanh.Backward<Pair16>(x, g, dPair);
        Assert.Equal(yWide, yPair);
        Assert.Equal(dWide, dPair);
    }

    [Fact]
    public void AdaLn_modulation_forward_and_backward_give_the_same_bits_in_both_forms()
    {
        const int images = 3, length = 5, width = 96;
        var x = Random(images * length * width, 7, 4f);
        var shift = Random(images * width, 8, 1f);
        var scale = Random(images * width, 9, 1f);
        var grad = Random(x.Length, 10, 1f);
        (float[] Y, float[] Rstd, float[] DX, float[] DShift, float[] DScale) Run<V>() where V : struct, ILanes16<V>
        {
            float[] y = new float[x.Length], rstd = new float[images * length], dx = new float[x.Length];
            float[] dShift = new float[shift.Length], dScale = new float[scale.Length];
            AdaLnModulate.Forward<V>(x, shift, scale, y, rstd, 0, images, length, width, 1e-6f);
            AdaLnModulate.Backward<V>(x, scale, rstd, grad, dx, dShift, dScale, 0, images, length, width);
            return (y, rstd, dx, dShift, dScale);
        }
        var wide = Run<Wide16>();
        var pair = Run<Pair16>();
        Assert.Equal(wide.Y, pair.Y);
        Assert.Equal(wide.Rstd, pair.Rstd);
        Assert.Equal(wide.DX, pair.DX);
        Assert.Equal(wide.DShift, pair.DShift);
        Assert.Equal(wide.DScale, pair.DScale);
    }

    [Fact]
    public void Attention_forward_and_backward_give_the_same_bits_in_both_forms()
    {
        const int images = 2, length = 32, width = 64, heads = 2;
        using var shapeOf = zeros(images, length, 3 * width);
        var shape = new SmallAttention.Shape(shapeOf, heads);
        var qkv = Random(images * length * 3 * width, 11, 2f);
        var gradOutput = Random(images * length * width, 12, 1f);
        (float[] Output, float[] P, float[] DQkv) Run<V>() where V : struct, ILanes16<V>
        {
            float[] output = new float[gradOutput.Length], p = new float[images * heads * length * length], dQkv = new float[qkv.Length];
            SmallAttention.Forward<V>(shape, 0, images, qkv, p, output);
            SmallAttention.Backward<V>(shape, 0, images, qkv, p, gradOutput, dQkv);
            return (output, p, dQkv);
        }
        var wide = Run<Wide16>();
        var pair = Run<Pair16>();
        Assert.Equal(wide.Output, pair.Output);
        Assert.Equal(wide.P, pair.P);
        Assert.Equal(wide.DQkv, pair.DQkv);
    }
}
