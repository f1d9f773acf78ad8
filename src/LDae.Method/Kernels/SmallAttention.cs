using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static LDae.Kernels.CpuKernel;
using static LDae.Kernels.SimdMath;
using static TorchSharp.torch;

namespace LDae.Kernels;

/// <summary>
/// softmax(QKᵀ/√d)·V for short sequences on the CPU, as one fused SIMD kernel per (image, head), forward and
/// backward. It reads q, k and v straight out of the qkv projection's output (N × L × 3·width, heads side by side)
/// and writes the heads side by side again (N × L × width), which is the layout the output projection reads: no
/// permute copies either way, and each head's 16 × 32 blocks stay in L1 while they are used. The probabilities P
/// (N × heads × L × L) are saved for the backward pass, like libtorch's explicit form does:
/// dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ∘ (dP − rowsum(P ∘ dP)), dQ = dS·K/√d, dK = dSᵀ·Q/√d.
/// Used through <see cref="Ops.Attention"/> for float32 CPU tensors whose length and head size are multiples of 16 (one
/// <see cref="ILanes16{TSelf}"/> of scores per 16 tokens), up to <see cref="Ops.ExplicitAttentionMaxTokens"/> tokens.
/// </summary>
public static class SmallAttention
{
    public static bool Supports(Tensor qkv, int heads)
    {
        if (qkv.device_type != DeviceType.CPU || qkv.dtype != ScalarType.Float32 || qkv.dim() != 3) return false;
        long length = qkv.shape[1], width = qkv.shape[2] / 3;
        return length <= Ops.ExplicitAttentionMaxTokens && length % Lanes == 0 && width % heads == 0 && width / heads % Lanes == 0;
    }

    /// <summary>qkv: N × L × 3·width (q, k, v, each with the heads side by side) → N × L × width.</summary>
    public static Tensor Apply(Tensor qkv, int heads) => Function.apply(qkv, heads, SavedForBackward.Needed(qkv));

    sealed class Function : torch.autograd.SingleTensorFunction<Function>
    {
        public override string Name => nameof(SmallAttention);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var qkv = ((Tensor)vars[0]).contiguous();
            var shape = new Shape(qkv, (int)vars[1]);
            var output = empty(shape.Images, shape.Length, shape.Width);
            var probabilities = empty(shape.Images, shape.Heads, shape.Length, shape.Length);
            CpuKernel.Split(shape.Images, shape.MinImagesPerChunk, 1, (first, count) =>
                Forward(shape, first, count, Floats(qkv), Floats(probabilities), Floats(output)));
            GC.KeepAlive(qkv);   // its span was read inside the kernel (qkv may be a fresh contiguous copy)
            SavedForBackward.Keep(ctx, (bool)vars[2], qkv, probabilities);
            return output;
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = SavedForBackward.Of(ctx);
            using var scope = NewDisposeScope();
            Tensor qkv = saved[0], probabilities = saved[1];
            var gradOutput = grad.contiguous();
            var shape = new Shape(qkv, (int)probabilities.shape[1]);
            var gradQkv = empty_like(qkv);
            CpuKernel.Split(shape.Images, shape.MinImagesPerChunk, 1, (first, count) =>
                Backward(shape, first, count, Floats(qkv), Floats(probabilities), Floats(gradOutput), Floats(gradQkv)));
            GC.KeepAlive(qkv);
            GC.KeepAlive(probabilities);
            GC.KeepAlive(gradOutput);
            GC.KeepAlive(gradQkv);
            return saved.Release(grad, [gradQkv.MoveToOuterDisposeScope(), null!, null!]);   // no gradient for the head count and the flag
        }
    }

    internal readonly struct Shape
    {
        public readonly int Images, Length, Width, Heads, HeadSize;
        public readonly float Scale;

        public Shape(Tensor qkv, int heads)
        {
            Images = checked((int)qkv.shape[0]);
            Length = checked((int)qkv.shape[1]);
            Width = checked((int)qkv.shape[2] / 3);
            Heads = heads;
            HeadSize = Width / heads;
            Scale = 1f / MathF.Sqrt(HeadSize);
        }

        public int QkvRow => 3 * Width;
        /// <summary>Split over threads only when each chunk has ≥ ~1 M multiply-adds (a chunk costs a thread hand-off).</summary>
        public int MinImagesPerChunk => Math.Max(1, (1 << 20) / (Heads * Length * Length * HeadSize));
    }

    /// <summary>Images [first, first + count): scores, softmax (saved) and P·V for every head.</summary>
    static void Forward(Shape s, int first, int count, ReadOnlySpan<float> qkv, Span<float> probabilities, Span<float> output)
    {
        if (WideInHardware) Forward<Wide16>(s, first, count, qkv, probabilities, output);
        else Forward<Pair16>(s, first, count, qkv, probabilities, output);
    }

    internal static void Forward<V>(Shape s, int first, int count, ReadOnlySpan<float> qkv, Span<float> probabilities, Span<float> output) where V : struct, ILanes16<V>
    {
        int length = s.Length, headSize = s.HeadSize, row = s.QkvRow;
        Span<float> keysT = stackalloc float[s.Width * length];   // Kᵀ of all heads: width × L, so a score row is vectors
        ref float qkvRef = ref MemoryMarshal.GetReference(qkv);
        ref float kt = ref MemoryMarshal.GetReference(keysT);
        ref float pAll = ref MemoryMarshal.GetReference(probabilities);
        ref float outRef = ref MemoryMarshal.GetReference(output);
        for (int n = first; n < first + count; n++)
        {
            // one pass over the image's keys, all heads: its q, k, v rows are one contiguous block
            Transpose(qkv.Slice(n * length * row + s.Width), row, length, s.Width, keysT);
            for (int h = 0; h < s.Heads; h++)
            {
                int q0 = n * length * row + h * headSize, k0 = q0 + s.Width, v0 = q0 + 2 * s.Width;
                ref float p = ref Unsafe.Add(ref pAll, (n * s.Heads + h) * length * length);
                // S = Q·Kᵀ, then P = softmax(S/√d) row by row
                Product<V>(ref Unsafe.Add(ref qkvRef, q0), row, 1, ref Unsafe.Add(ref kt, h * headSize * length), length, headSize, length, ref p, length, length);
                for (int i = 0; i < length; i++) SoftmaxRow<V>(ref Unsafe.Add(ref p, i * length), length, s.Scale);
                // O = P·V, written where head h sits in the output rows
                Product<V>(ref p, length, 1, ref Unsafe.Add(ref qkvRef, v0), row, length, headSize,
                    ref Unsafe.Add(ref outRef, n * length * s.Width + h * headSize), s.Width, length);
            }
        }
    }

    /// <summary>Images [first, first + count): gradients of q, k and v for every head, into the qkv layout.</summary>
    static void Backward(Shape s, int first, int count, ReadOnlySpan<float> qkv, ReadOnlySpan<float> probabilities,
        ReadOnlySpan<float> gradOutput, Span<float> gradQkv)
    {
        if (WideInHardware) Backward<Wide16>(s, first, count, qkv, probabilities, gradOutput, gradQkv);
        else Backward<Pair16>(s, first, count, qkv, probabilities, gradOutput, gradQkv);
    }

    internal static void Backward<V>(Shape s, int first, int count, ReadOnlySpan<float> qkv, ReadOnlySpan<float> probabilities,
        ReadOnlySpan<float> gradOutput, Span<float> gradQkv) where V : struct, ILanes16<V>
    {
        int length = s.Length, headSize = s.HeadSize, row = s.QkvRow;
        Span<float> valuesT = stackalloc float[s.Width * length];   // Vᵀ of all heads: width × L
        Span<float> gradScores = stackalloc float[length * length];  // dP, then dS/√d in place
        ref float qkvRef = ref MemoryMarshal.GetReference(qkv);
        ref float vt = ref MemoryMarshal.GetReference(valuesT);
        ref float ds = ref MemoryMarshal.GetReference(gradScores);
        ref float pAll = ref MemoryMarshal.GetReference(probabilities);
        ref float gOut = ref MemoryMarshal.GetReference(gradOutput);
        ref float gQkv = ref MemoryMarshal.GetReference(gradQkv);
        var scale = V.Create(s.Scale);
        for (int n = first; n < first + count; n++)
        {
            Transpose(qkv.Slice(n * length * row + 2 * s.Width), row, length, s.Width, valuesT);
            for (int h = 0; h < s.Heads; h++)
            {
                int q0 = n * length * row + h * headSize, k0 = q0 + s.Width, v0 = q0 + 2 * s.Width;
                int o0 = n * length * s.Width + h * headSize;
                ref float p = ref Unsafe.Add(ref pAll, (n * s.Heads + h) * length * length);
                ref float dO = ref Unsafe.Add(ref gOut, o0);
                // dP = dO·Vᵀ
                Product<V>(ref dO, s.Width, 1, ref Unsafe.Add(ref vt, h * headSize * length), length, headSize, length, ref ds, length, length);
                // dS = P ∘ (dP − rowsum(P ∘ dP)), times 1/√d (the scores' scale) for both dQ and dK
                for (int i = 0; i < length; i++)
                {
                    ref float pRow = ref Unsafe.Add(ref p, i * length);
                    ref float dsRow = ref Unsafe.Add(ref ds, i * length);
                    var rowDot = V.Zero;
                    for (int c = 0; c < length; c += Lanes)
                        rowDot = V.Fma(V.Load(ref dsRow, (nuint)c), V.Load(ref pRow, (nuint)c), rowDot);
                    var centre = V.Create(V.Sum(rowDot));
                    for (int c = 0; c < length; c += Lanes)
                        (V.Load(ref pRow, (nuint)c) * (V.Load(ref dsRow, (nuint)c) - centre) * scale)
                            .Store(ref dsRow, (nuint)c);
                }
                // dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dO, each into its place in the qkv layout
                Product<V>(ref ds, length, 1, ref Unsafe.Add(ref qkvRef, k0), row, length, headSize, ref Unsafe.Add(ref gQkv, q0), row, length);
                Product<V>(ref ds, 1, length, ref Unsafe.Add(ref qkvRef, q0), row, length, headSize, ref Unsafe.Add(ref gQkv, k0), row, length);
                Product<V>(ref p, 1, length, ref dO, s.Width, length, headSize, ref Unsafe.Add(ref gQkv, v0), row, length);
            }
        }
    }

    /// <summary>
    /// C = A·B for the small blocks of one head: C (rows × columns, row stride cRow) from A (element (r, k) at
    /// a[r·aRow + k·aColumn], so Aᵀ is a stride swap) and B (inner × columns, row stride bRow). columns is a multiple
    /// of 16 and rows of 4: four rows at a time, so four independent FMA chains hide the FMA latency and each B
    /// vector is loaded once per four rows.
    /// </summary>
    static void Product<V>(ref float a, int aRow, int aColumn, ref float b, int bRow, int inner, int columns,
        ref float c, int cRow, int rows) where V : struct, ILanes16<V>
    {
        for (int r = 0; r < rows; r += 4)
        {
            ref float a0 = ref Unsafe.Add(ref a, r * aRow);
            ref float a1 = ref Unsafe.Add(ref a0, aRow);
            ref float a2 = ref Unsafe.Add(ref a1, aRow);
            ref float a3 = ref Unsafe.Add(ref a2, aRow);
            for (int col = 0; col < columns; col += Lanes)
            {
                V c0 = V.Zero, c1 = V.Zero, c2 = V.Zero, c3 = V.Zero;
                for (int k = 0; k < inner; k++)
                {
                    var bk = V.Load(ref b, (nuint)(k * bRow + col));
                    int ak = k * aColumn;
                    c0 = V.Fma(V.Create(Unsafe.Add(ref a0, ak)), bk, c0);
                    c1 = V.Fma(V.Create(Unsafe.Add(ref a1, ak)), bk, c1);
                    c2 = V.Fma(V.Create(Unsafe.Add(ref a2, ak)), bk, c2);
                    c3 = V.Fma(V.Create(Unsafe.Add(ref a3, ak)), bk, c3);
                }
                c0.Store(ref c, (nuint)(r * cRow + col));
                c1.Store(ref c, (nuint)((r + 1) * cRow + col));
                c2.Store(ref c, (nuint)((r + 2) * cRow + col));
                c3.Store(ref c, (nuint)((r + 3) * cRow + col));
            }
        }
    }

    /// <summary>A length × columns block with row stride <paramref name="stride"/> → columns × length, dense.</summary>
    static void Transpose(ReadOnlySpan<float> source, int stride, int length, int columns, Span<float> target)
    {
        if (source.Length < (length - 1) * stride + columns || target.Length < columns * length)
            throw new ArgumentException("the block does not fit the spans");
        ref float from = ref MemoryMarshal.GetReference(source);
        ref float to = ref MemoryMarshal.GetReference(target);
        for (int d = 0; d < columns; d++)
        {
            ref float column = ref Unsafe.Add(ref from, d);
            ref float targetRow = ref Unsafe.Add(ref to, d * length);
            for (int j = 0; j < length; j++) Unsafe.Add(ref targetRow, j) = Unsafe.Add(ref column, j * stride);
        }
    }

    /// <summary>In place: row ← softmax(scale·row), the maximum subtracted first.</summary>
    static void SoftmaxRow<V>(ref float row, int length, float scale) where V : struct, ILanes16<V>
    {
        var scaleVector = V.Create(scale);
        var max = V.Create(float.NegativeInfinity);
        for (int c = 0; c < length; c += Lanes)
        {
            var scaled = V.Load(ref row, (nuint)c) * scaleVector;
            scaled.Store(ref row, (nuint)c);
            max = V.Max(max, scaled);
        }
        var rowMax = V.Create(V.MaxAcross(max));
        var sum = V.Zero;
        for (int c = 0; c < length; c += Lanes)
        {
            var e = Exp(V.Load(ref row, (nuint)c) - rowMax);
            e.Store(ref row, (nuint)c);
            sum += e;
        }
        var inverse = V.Create(1f / V.Sum(sum));
        for (int c = 0; c < length; c += Lanes)
            (V.Load(ref row, (nuint)c) * inverse).Store(ref row, (nuint)c);
    }
}
