using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LDae.Kernels;

/// <summary>
/// e^x on float32 vectors, for the hand-written CPU kernels (<see cref="GeluTanh"/>, <see cref="SmallAttention"/>).
/// .NET's <c>Vector512.Exp(float)</c> widens to float64 internally (half the lanes per instruction, plus the
/// conversions); this is the classic float32 range reduction x = n·ln 2 + r, |r| ≤ ln 2 / 2, with Cephes' degree-6
/// polynomial for e^r and 2^n built in the exponent bits: within 2 ULP of e^x (tests), the accuracy class of
/// libtorch's own vectorised expf.
/// </summary>
internal static class SimdMath
{
    /// <summary>float32 lanes of a Vector512: the kernels' unit of work (widths they take are multiples of it).</summary>
    public const int Lanes = 16;

    // beyond these e^x overflows / underflows float32's normal range; inside them 2^n is a normal number
    const float MaxArgument = 88.3762626647949f;
    const float MinArgument = -87.3365447505531f;
    const float Log2E = 1.44269504088896341f;
    const float Ln2High = 0.693359375f;          // ln 2 = Ln2High + Ln2Low, Ln2High exact in 9 bits
    const float Ln2Low = -2.12194440e-4f;

    /// <summary>e^x lane by lane: ∞ above ~88.38, 0 below ~−87.34 (no subnormal results), NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(MinArgument)), Vector512.Create(MaxArgument));
        var n = Vector512.Floor(Fma(clamped, Vector512.Create(Log2E), Vector512.Create(0.5f)));
        var r = Fma(n, Vector512.Create(-Ln2Low), Fma(n, Vector512.Create(-Ln2High), clamped));
        var p = Vector512.Create(1.9875691500e-4f);
        p = Fma(p, r, Vector512.Create(1.3981999507e-3f));
        p = Fma(p, r, Vector512.Create(8.3334519073e-3f));
        p = Fma(p, r, Vector512.Create(4.1665795894e-2f));
        p = Fma(p, r, Vector512.Create(1.6666665459e-1f));
        p = Fma(p, r, Vector512.Create(5.0000001201e-1f));
        var er = Fma(p, r * r, r + Vector512<float>.One);
        var twoToN = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        var result = er * twoToN;
        // outside the clamp e^x is ∞ or 0 as in float32; NaN in, NaN out (Min/Max may have replaced it)
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(MaxArgument)), Vector512.Create(float.PositiveInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinArgument)), Vector512<float>.Zero, result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>a·b + c with one rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Vector512.FusedMultiplyAdd(a, b, c);
}
