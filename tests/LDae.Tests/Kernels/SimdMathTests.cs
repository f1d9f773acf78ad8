using System.Runtime.Intrinsics;
using LDae.Kernels;
using Xunit;

namespace LDae.Tests.Kernels;

public class SimdMathTests
{
    /// <summary>Distance in units in the last place between two finite floats of the same sign.</summary>
    static long Ulps(float a, float b) => Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    static float[] Exp(float[] x) => Exp<Pair16>(x);

    static float[] Exp<V>(float[] x) where V : struct, ILanes16<V>
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += 16)
            SimdMath.Exp(V.Load(ref x[i], 0)).Store(ref y[i], 0);
        return y;
    }

    [Fact]
    public void Exp_is_within_two_ulp_over_the_normal_range()
    {
        // a dense sweep of [−87, 88] plus random points; the reference is float64's exp rounded to float32
        var rng = new Random(11);
        var x = Enumerable.Range(0, 160_000).Select(i => -87f + 175f * i / 160_000f)
            .Concat(Enumerable.Range(0, 16_000).Select(_ => (float)(rng.NextDouble() * 175 - 87))).ToArray();
        var y = Exp(x);
        long worst = 0;
        for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Ulps(y[i], (float)Math.Exp(x[i])));
        Assert.True(worst <= 2, $"worst error {worst} ULP");
    }

    [Fact]
    public void Exp_overflows_to_infinity_underflows_to_zero_and_keeps_nan()
    {
        var x = new float[16];
        float[] special = [0f, -0f, 1f, -1f, 200f, -200f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        special.CopyTo(x, 0);
        var y = Exp(x);
        Assert.Equal(1f, y[0]);
        Assert.Equal(1f, y[1]);
        Assert.True(Ulps(y[2], MathF.E) <= 1);
        Assert.True(Ulps(y[3], 1 / MathF.E) <= 1);
        Assert.Equal(float.PositiveInfinity, y[4]);
        Assert.Equal(0f, y[5]);
        Assert.Equal(float.PositiveInfinity, y[6]);
        Assert.Equal(0f, y[7]);
        Assert.True(float.IsNaN(y[8]));
    }
}
