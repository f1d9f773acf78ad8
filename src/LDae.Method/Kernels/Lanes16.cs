using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LDae.Kernels;

/// <summary>
/// Sixteen float32 lanes, the kernels' unit of work, in one of two machine forms: <see cref="Wide16"/> (one
/// Vector512, on CPUs with AVX-512) or <see cref="Pair16"/> (two Vector256 halves, everywhere else). Without AVX-512
/// .NET runs Vector512 in software; the kernels are written once over this interface and instantiated for the form
/// the CPU runs in hardware (<see cref="SimdMath.WideInHardware"/>). Both forms compute every lane the same way and
/// reduce in the same order (<see cref="Sum"/> adds the lower half's sum to the upper half's, as Vector512.Sum is
/// defined), so a kernel's output does not depend on the form.
/// </summary>
internal interface ILanes16<TSelf> where TSelf : struct, ILanes16<TSelf>
{
    static abstract TSelf Zero { get; }
    static abstract TSelf One { get; }
    static abstract TSelf Create(float value);
    static abstract TSelf Load(ref float source, nuint offset);
    void Store(ref float target, nuint offset);
    /// <summary>Sixteen bfloat16 values (their bit patterns) widened to float32: exact.</summary>
    static abstract TSelf LoadBf16(ref ushort source, nuint offset);
    /// <summary>The lanes rounded to bfloat16 to nearest, ties to even (NaN stays NaN), bit for bit as libtorch rounds.</summary>
    void StoreBf16(ref ushort target, nuint offset);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Min(TSelf a, TSelf b);
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Floor(TSelf x);
    /// <summary>2^n for integral n in float32's normal exponent range, built in the exponent bits.</summary>
    static abstract TSelf PowerOfTwo(TSelf n);
    /// <summary>Lane masks (all bits set where true), for <see cref="Select"/>.</summary>
    static abstract TSelf GreaterThan(TSelf a, TSelf b);
    static abstract TSelf LessThan(TSelf a, TSelf b);
    static abstract TSelf EqualTo(TSelf a, TSelf b);
    static abstract TSelf Select(TSelf mask, TSelf whereTrue, TSelf whereFalse);
    /// <summary>The lanes' sum: the lower eight's sum plus the upper eight's.</summary>
    static abstract float Sum(TSelf v);
    static abstract float MaxAcross(TSelf v);
}

/// <summary>Sixteen lanes as one Vector512 (hardware on AVX-512 CPUs).</summary>
internal readonly struct Wide16(Vector512<float> v) : ILanes16<Wide16>
{
    readonly Vector512<float> v = v;

    public static Wide16 Zero => new(Vector512<float>.Zero);
    public static Wide16 One => new(Vector512<float>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 Load(ref float source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float target, nuint offset) => v.StoreUnsafe(ref target, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Wide16 LoadBf16(ref ushort source, nuint offset) =>
        new(Vector512.ShiftLeft(Vector512.WidenLower(Vector256.LoadUnsafe(ref source, offset).ToVector512Unsafe()), 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StoreBf16(ref ushort target, nuint offset) =>
        Vector512.Narrow(Bf16.RoundedBits(v), Vector512<uint>.Zero).GetLower().StoreUnsafe(ref target, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 operator +(Wide16 a, Wide16 b) => new(a.v + b.v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 operator -(Wide16 a, Wide16 b) => new(a.v - b.v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 operator *(Wide16 a, Wide16 b) => new(a.v * b.v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 operator /(Wide16 a, Wide16 b) => new(a.v / b.v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 Fma(Wide16 a, Wide16 b, Wide16 c) => new(Vector512.FusedMultiplyAdd(a.v, b.v, c.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 Min(Wide16 a, Wide16 b) => new(Vector512.Min(a.v, b.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 Max(Wide16 a, Wide16 b) => new(Vector512.Max(a.v, b.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 Floor(Wide16 x) => new(Vector512.Floor(x.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Wide16 PowerOfTwo(Wide16 n) => new(Vector512.ShiftLeft(Vector512.ConvertToInt32(n.v) + Vector512.Create(127), 23).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 GreaterThan(Wide16 a, Wide16 b) => new(Vector512.GreaterThan(a.v, b.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 LessThan(Wide16 a, Wide16 b) => new(Vector512.LessThan(a.v, b.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Wide16 EqualTo(Wide16 a, Wide16 b) => new(Vector512.Equals(a.v, b.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Wide16 Select(Wide16 mask, Wide16 whereTrue, Wide16 whereFalse) => new(Vector512.ConditionalSelect(mask.v, whereTrue.v, whereFalse.v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Wide16 v) => Vector512.Sum(v.v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Wide16 v) => Pair16.MaxAcross(new Pair16(v.v.GetLower(), v.v.GetUpper()));
}

/// <summary>Sixteen lanes as two Vector256 halves (hardware on AVX2 CPUs), lane i of the lower half being lane i.</summary>
internal readonly struct Pair16(Vector256<float> lower, Vector256<float> upper) : ILanes16<Pair16>
{
    readonly Vector256<float> lower = lower, upper = upper;

    public static Pair16 Zero => new(Vector256<float>.Zero, Vector256<float>.Zero);
    public static Pair16 One => new(Vector256<float>.One, Vector256<float>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 Create(float value) => new(Vector256.Create(value), Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 Load(ref float source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset), Vector256.LoadUnsafe(ref source, offset + 8));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float target, nuint offset)
    {
        lower.StoreUnsafe(ref target, offset);
        upper.StoreUnsafe(ref target, offset + 8);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 LoadBf16(ref ushort source, nuint offset)
    {
        var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, offset));
        return new(Vector256.ShiftLeft(low, 16).AsSingle(), Vector256.ShiftLeft(high, 16).AsSingle());
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StoreBf16(ref ushort target, nuint offset) =>
        Vector256.Narrow(Bf16.RoundedBits(lower), Bf16.RoundedBits(upper)).StoreUnsafe(ref target, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 operator +(Pair16 a, Pair16 b) => new(a.lower + b.lower, a.upper + b.upper);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 operator -(Pair16 a, Pair16 b) => new(a.lower - b.lower, a.upper - b.upper);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 operator *(Pair16 a, Pair16 b) => new(a.lower * b.lower, a.upper * b.upper);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 operator /(Pair16 a, Pair16 b) => new(a.lower / b.lower, a.upper / b.upper);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 Fma(Pair16 a, Pair16 b, Pair16 c) =>
        new(Vector256.FusedMultiplyAdd(a.lower, b.lower, c.lower), Vector256.FusedMultiplyAdd(a.upper, b.upper, c.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 Min(Pair16 a, Pair16 b) => new(Vector256.Min(a.lower, b.lower), Vector256.Min(a.upper, b.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 Max(Pair16 a, Pair16 b) => new(Vector256.Max(a.lower, b.lower), Vector256.Max(a.upper, b.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair16 Floor(Pair16 x) => new(Vector256.Floor(x.lower), Vector256.Floor(x.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 PowerOfTwo(Pair16 n) => new(PowerOfTwo(n.lower), PowerOfTwo(n.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> PowerOfTwo(Vector256<float> n) => Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 GreaterThan(Pair16 a, Pair16 b) => new(Vector256.GreaterThan(a.lower, b.lower), Vector256.GreaterThan(a.upper, b.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 LessThan(Pair16 a, Pair16 b) => new(Vector256.LessThan(a.lower, b.lower), Vector256.LessThan(a.upper, b.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 EqualTo(Pair16 a, Pair16 b) => new(Vector256.Equals(a.lower, b.lower), Vector256.Equals(a.upper, b.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair16 Select(Pair16 mask, Pair16 whereTrue, Pair16 whereFalse) =>
        new(Vector256.ConditionalSelect(mask.lower, whereTrue.lower, whereFalse.lower), Vector256.ConditionalSelect(mask.upper, whereTrue.upper, whereFalse.upper));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Pair16 v) => Vector256.Sum(v.lower) + Vector256.Sum(v.upper);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Pair16 v)
    {
        var m = Vector256.Max(v.lower, v.upper);
        var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        return MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));
    }
}

/// <summary>float32 → bfloat16 rounding on vectors: the upper 16 bits of the result lanes are the bfloat16.</summary>
internal static class Bf16
{
    const uint NaN = 0xFFFFu << 16;   // the NaN libtorch's vectorised conversion writes

    /// <summary>bits + 0x7FFF + (bit 16 of bits), shifted down: round to nearest, ties to even; NaN → 0xFFFF (a NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> RoundedBits(Vector512<float> v)
    {
        var bits = v.AsUInt32();
        var rounded = bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One);
        return Vector512.ShiftRightLogical(Vector512.ConditionalSelect(Vector512.Equals(v, v).AsUInt32(), rounded, Vector512.Create(NaN)), 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> RoundedBits(Vector256<float> v)
    {
        var bits = v.AsUInt32();
        var rounded = bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One);
        return Vector256.ShiftRightLogical(Vector256.ConditionalSelect(Vector256.Equals(v, v).AsUInt32(), rounded, Vector256.Create(NaN)), 16);
    }
}

/// <summary>How a kernel reads and writes sixteen lanes of its tensors' element type: float32 as it is, bfloat16
/// widened on load and rounded on store, so the arithmetic is float32 either way.</summary>
internal interface IElements<T> where T : unmanaged
{
    static abstract V Load<V>(ref T source, nuint offset) where V : struct, ILanes16<V>;
    static abstract void Store<V>(V value, ref T target, nuint offset) where V : struct, ILanes16<V>;
}

internal readonly struct Fp32Elements : IElements<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Load<V>(ref float source, nuint offset) where V : struct, ILanes16<V> => V.Load(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<V>(V value, ref float target, nuint offset) where V : struct, ILanes16<V> => value.Store(ref target, offset);
}

internal readonly struct Bf16Elements : IElements<ushort>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Load<V>(ref ushort source, nuint offset) where V : struct, ILanes16<V> => V.LoadBf16(ref source, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<V>(V value, ref ushort target, nuint offset) where V : struct, ILanes16<V> => value.StoreBf16(ref target, offset);
}
