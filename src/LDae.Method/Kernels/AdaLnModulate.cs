using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static LDae.Kernels.CpuKernel;
using static LDae.Kernels.SimdMath;
using static TorchSharp.torch;

namespace LDae.Kernels;

/// <summary>
/// adaLN's "LayerNorm without affine, then x̂·(1 + scale) + shift" (<see cref="LDae.Models.AdaLnZeroBlock"/>) as one fused SIMD
/// pass forward and one backward on float32 CPU tensors, per token row:
/// forward  x̂ = (x − μ)/√(σ² + ε), y = x̂ ∘ (1 + scale) + shift;
/// backward dshift = Σ_tokens dy, dscale = Σ_tokens dy ∘ x̂, and with ĝ = dy ∘ (1 + scale)
///          dx = (ĝ − mean(ĝ) − x̂ · mean(ĝ ∘ x̂)) / √(σ² + ε).
/// libtorch runs this as a LayerNorm, an addcmul and, backward, two multiplies, two token sums and the LayerNorm
/// backward: seven passes over the N × L × width activations where this makes one each way. μ and σ² are the
/// two-pass mean and (biased) variance of the row, which sits in L1. Widths that are not a multiple of 16 (one
/// <see cref="ILanes16{TSelf}"/>) use libtorch's ops.
/// </summary>
public static class AdaLnModulate
{
    /// <summary>Whether the fused kernel takes x (float32 on the CPU, N × L × width, width a multiple of 16).</summary>
    public static bool Supports(Tensor x) =>
        x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && x.dim() == 3 && x.shape[2] % Lanes == 0;

    /// <summary>Whether the fused kernel takes these operands: x as <see cref="Supports(Tensor)"/> says, and shift and
    /// scale float32 too (the kernel reads all three as float32 memory).</summary>
    public static bool Supports(Tensor x, Tensor shift, Tensor scale) =>
        Supports(x) && shift.dtype == ScalarType.Float32 && scale.dtype == ScalarType.Float32;

    /// <summary>x: N × L × width, shift and scale: N × 1 × width (or N × width) → N × L × width.</summary>
    public static Tensor Apply(Tensor x, Tensor shift, Tensor scale, double eps) =>
        Supports(x, shift, scale) ? Function.apply(x, shift, scale, eps, SavedForBackward.Needed(x, shift, scale)) : throw new ArgumentException($"AdaLnModulate takes float32 CPU tensors N × L × width with width a multiple of {Lanes}; use LayerNorm + addcmul");

    sealed class Function : torch.autograd.SingleTensorFunction<Function>
    {
        public override string Name => nameof(AdaLnModulate);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var x = ((Tensor)vars[0]).contiguous();
            long n = x.shape[0], length = x.shape[1], width = x.shape[2];
            var shift = ((Tensor)vars[1]).reshape(n, width).contiguous();
            var scale = ((Tensor)vars[2]).reshape(n, width).contiguous();
            float eps = (float)(double)vars[3];
            var y = empty_like(x);
            var rstd = empty(n, length);   // 1/√(σ² + ε) per row; μ is recomputed in the backward pass
            int rowsPerImage = (int)length, w = (int)width;
            CpuKernel.Split((int)n, MinImages(length, width), 1, (first, count) =>
                Forward(Floats(x), Floats(shift), Floats(scale), Floats(y), Floats(rstd), first, count, rowsPerImage, w, eps));
            GC.KeepAlive(x);
            GC.KeepAlive(shift);
            GC.KeepAlive(scale);
            SavedForBackward.Keep(ctx, (bool)vars[4], x, scale, rstd);
            ctx.save_data("shift shape", ((Tensor)vars[1]).shape);
            return y;
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = SavedForBackward.Of(ctx);
            using var scope = NewDisposeScope();
            Tensor x = saved[0], scale = saved[1], rstd = saved[2];
            var g = grad.contiguous();
            long n = x.shape[0], length = x.shape[1], width = x.shape[2];
            var gradX = empty_like(x);
            var gradShift = empty(n, width);
            var gradScale = empty(n, width);
            int rowsPerImage = (int)length, w = (int)width;
            CpuKernel.Split((int)n, MinImages(length, width), 1, (first, count) =>
                Backward(Floats(x), Floats(scale), Floats(rstd), Floats(g), Floats(gradX), Floats(gradShift), Floats(gradScale),
                    first, count, rowsPerImage, w));
            GC.KeepAlive(x);
            GC.KeepAlive(scale);
            GC.KeepAlive(rstd);
            GC.KeepAlive(g);
            var shape = (long[])ctx.get_data("shift shape");
            // no gradient for ε and the flag
            return saved.Release(grad, [gradX.MoveToOuterDisposeScope(), gradShift.reshape(shape).MoveToOuterDisposeScope(),
                gradScale.reshape(shape).MoveToOuterDisposeScope(), null!, null!]);
        }
    }

    /// <summary>Split over threads only with ≥ 64 K elements per chunk (a chunk costs a thread hand-off).</summary>
    static int MinImages(long length, long width) => (int)Math.Max(1, (1 << 16) / (length * width));

    static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> shift, ReadOnlySpan<float> scale, Span<float> y,
        Span<float> rstd, int first, int count, int length, int width, float eps)
    {
        if (WideInHardware) Forward<Wide16>(x, shift, scale, y, rstd, first, count, length, width, eps);
        else Forward<Pair16>(x, shift, scale, y, rstd, first, count, length, width, eps);
    }

    internal static void Forward<V>(ReadOnlySpan<float> x, ReadOnlySpan<float> shift, ReadOnlySpan<float> scale, Span<float> y,
        Span<float> rstd, int first, int count, int length, int width, float eps) where V : struct, ILanes16<V>
    {
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float shiftRef = ref MemoryMarshal.GetReference(shift);
        ref float scaleRef = ref MemoryMarshal.GetReference(scale);
        for (int n = first; n < first + count; n++)
        {
            ref float b = ref Unsafe.Add(ref shiftRef, n * width);
            ref float s = ref Unsafe.Add(ref scaleRef, n * width);
            for (int l = 0; l < length; l++)
            {
                int row = n * length + l;
                ref float xRow = ref Unsafe.Add(ref xRef, row * width);
                ref float yRow = ref Unsafe.Add(ref yRef, row * width);
                var (mean, inverse) = Moments<V>(ref xRow, width, eps);
                rstd[row] = inverse;
                var mu = V.Create(mean);
                var r = V.Create(inverse);
                for (int c = 0; c < width; c += Lanes)
                {
                    var normalized = (V.Load(ref xRow, (nuint)c) - mu) * r;
                    var onePlusScale = V.One + V.Load(ref s, (nuint)c);
                    V.Fma(normalized, onePlusScale, V.Load(ref b, (nuint)c)).Store(ref yRow, (nuint)c);
                }
            }
        }
    }

    static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> rstd, ReadOnlySpan<float> grad,
        Span<float> gradX, Span<float> gradShift, Span<float> gradScale, int first, int count, int length, int width)
    {
        if (WideInHardware) Backward<Wide16>(x, scale, rstd, grad, gradX, gradShift, gradScale, first, count, length, width);
        else Backward<Pair16>(x, scale, rstd, grad, gradX, gradShift, gradScale, first, count, length, width);
    }

    internal static void Backward<V>(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> rstd, ReadOnlySpan<float> grad,
        Span<float> gradX, Span<float> gradShift, Span<float> gradScale, int first, int count, int length, int width) where V : struct, ILanes16<V>
    {
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float gRef = ref MemoryMarshal.GetReference(grad);
        ref float dxRef = ref MemoryMarshal.GetReference(gradX);
        ref float scaleRef = ref MemoryMarshal.GetReference(scale);
        Span<float> normalizedRow = stackalloc float[width];
        ref float xHat = ref MemoryMarshal.GetReference(normalizedRow);
        var inverseWidth = V.Create(1f / width);
        for (int n = first; n < first + count; n++)
        {
            ref float s = ref Unsafe.Add(ref scaleRef, n * width);
            ref float dShift = ref MemoryMarshal.GetReference(gradShift.Slice(n * width, width));
            ref float dScale = ref MemoryMarshal.GetReference(gradScale.Slice(n * width, width));
            for (int c = 0; c < width; c += Lanes)
            {
                V.Zero.Store(ref dShift, (nuint)c);
                V.Zero.Store(ref dScale, (nuint)c);
            }
            for (int l = 0; l < length; l++)
            {
                int row = n * length + l;
                ref float xRow = ref Unsafe.Add(ref xRef, row * width);
                ref float gRow = ref Unsafe.Add(ref gRef, row * width);
                ref float dxRow = ref Unsafe.Add(ref dxRef, row * width);
                float inverse = rstd[row];
                var r = V.Create(inverse);
                var mu = V.Create(Mean<V>(ref xRow, width));
                // x̂, the token sums for dshift and dscale, and the two row means of ĝ and ĝ ∘ x̂
                var sumG = V.Zero;
                var sumGX = V.Zero;
                for (int c = 0; c < width; c += Lanes)
                {
                    var normalized = (V.Load(ref xRow, (nuint)c) - mu) * r;
                    normalized.Store(ref xHat, (nuint)c);
                    var g = V.Load(ref gRow, (nuint)c);
                    (V.Load(ref dShift, (nuint)c) + g).Store(ref dShift, (nuint)c);
                    V.Fma(g, normalized, V.Load(ref dScale, (nuint)c)).Store(ref dScale, (nuint)c);
                    var gHat = g * (V.One + V.Load(ref s, (nuint)c));
                    sumG += gHat;
                    sumGX = V.Fma(gHat, normalized, sumGX);
                }
                var meanG = V.Create(V.Sum(sumG)) * inverseWidth;
                var meanGX = V.Create(V.Sum(sumGX)) * inverseWidth;
                for (int c = 0; c < width; c += Lanes)
                {
                    var gHat = V.Load(ref gRow, (nuint)c) * (V.One + V.Load(ref s, (nuint)c));
                    var normalized = V.Load(ref xHat, (nuint)c);
                    ((gHat - meanG - normalized * meanGX) * r).Store(ref dxRow, (nuint)c);
                }
            }
        }
    }

    static float Mean<V>(ref float row, int width) where V : struct, ILanes16<V>
    {
        var sum = V.Zero;
        for (int c = 0; c < width; c += Lanes) sum += V.Load(ref row, (nuint)c);
        return V.Sum(sum) / width;
    }

    /// <summary>The row's mean and 1/√(biased variance + ε), two passes (the row is in L1 by the second).</summary>
    static (float Mean, float InverseStd) Moments<V>(ref float row, int width, float eps) where V : struct, ILanes16<V>
    {
        float mean = Mean<V>(ref row, width);
        var mu = V.Create(mean);
        var squares = V.Zero;
        for (int c = 0; c < width; c += Lanes)
        {
            var centred = V.Load(ref row, (nuint)c) - mu;
            squares = V.Fma(centred, centred, squares);
        }
        return (mean, 1f / MathF.Sqrt(V.Sum(squares) / width + eps));
    }
}
