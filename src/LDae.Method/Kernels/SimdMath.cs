using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LDae.Kernels;

/// <summary>
/// e^x on float32 vectors, for the hand-written CPU kernels (<see cref="GeluTanh"/>, <see cref="SmallAttention"/>).
/// .NET's <c>Vector512.Exp(float)</c> (and Vector256's) widens to float64 internally (half the lanes per instruction, plus the
/// conversions); this is the classic float32 range reduction x = n·ln 2 + r, |r| ≤ ln 2 / 2, with Cephes' degree-6
/// polynomial for e^r and 2^n built in the exponent bits: within 2 ULP of e^x (tests), the accuracy class of
/// libtorch's own vectorised expf.
/// </summary>
internal static class SimdMath
{
    /// <summary>float32 lanes of <see cref="ILanes16{TSelf}"/>: the kernels' unit of work (widths they take are multiples of it).</summary>
    public const int Lanes = 16;

    // beyond these e^x overflows / underflows float32's normal range; inside them 2^n is a normal number
    const float MaxArgument = 88.3762626647949f;
    const float MinArgument = -87.3365447505531f;
    const float Log2E = 1.44269504088896341f;
    const float Ln2High = 0.693359375f;          // ln 2 = Ln2High + Ln2Low, Ln2High exact in 9 bits
    const float Ln2Low = -2.12194440e-4f;

    /// <summary>
    /// Whether the kernels run on <see cref="Wide16"/> (the CPU has AVX-512) rather than <see cref="Pair16"/>: .NET
    /// emulates Vector512 in software elsewhere.
    /// </summary>
    public static bool WideInHardware => Vector512.IsHardwareAccelerated;

    /// <summary>e^x lane by lane: ∞ above ~88.38, 0 below ~−87.34 (no subnormal results), NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Exp<V>(V x) where V : struct, ILanes16<V>
    {
        var clamped = V.Min(V.Max(x, V.Create(MinArgument)), V.Create(MaxArgument));
        var n = V.Floor(V.Fma(clamped, V.Create(Log2E), V.Create(0.5f)));
        var r = V.Fma(n, V.Create(-Ln2Low), V.Fma(n, V.Create(-Ln2High), clamped));
        var p = V.Create(1.9875691500e-4f);
        p = V.Fma(p, r, V.Create(1.3981999507e-3f));
        p = V.Fma(p, r, V.Create(8.3334519073e-3f));
        p = V.Fma(p, r, V.Create(4.1665795894e-2f));
        p = V.Fma(p, r, V.Create(1.6666665459e-1f));
        p = V.Fma(p, r, V.Create(5.0000001201e-1f));
        var er = V.Fma(p, r * r, r + V.One);
        var result = er * V.PowerOfTwo(n);
        // outside the clamp e^x is ∞ or 0 as in float32; NaN in, NaN out (Min/Max may have replaced it)
        result = V.Select(V.GreaterThan(x, V.Create(MaxArgument)), V.Create(float.PositiveInfinity), result);
        result = V.Select(V.LessThan(x, V.Create(MinArgument)), V.Zero, result);
        return V.Select(V.EqualTo(x, x), result, x);
    }
}
