using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static LDae.Kernels.CpuKernel;
using static LDae.Kernels.SimdMath;
using static TorchSharp.torch;

namespace LDae.Kernels;

/// <summary>
/// DiT's activation, GELU with the tanh approximation: gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
/// On float32 CPU tensors it runs as one fused SIMD pass forward and one backward, written as
/// x·σ(2u) with u = √(2/π)·(x + 0.044715·x³) — the same function, since ½(1 + tanh u) = σ(2u). libtorch's kernel
/// evaluates a 1-ULP tanh in the forward pass and again in the backward pass; on the quick model's MLP
/// forward + backward take about a third of libtorch's time (docs/performance.md). e^x is <see cref="SimdMath.Exp"/>
/// (float32; .NET's <c>Vector512.Exp</c> widens to float64), on <see cref="ILanes16{TSelf}"/>. The σ form is also the more accurate one for negative x,
/// where ½·x·(1 + tanh u) cancels (libtorch returns 0 from x ≈ −6.5 on). Against float64 on [−9, 9]: absolute
/// error ≤ 5.2e-7 forward and 2.0e-6 backward (libtorch: 4.3e-7, 1.0e-6). Other devices and dtypes use libtorch's
/// <c>gelu(approximate: tanh)</c> (<see cref="Ops.GeluTanh"/> dispatches).
/// </summary>
public static class GeluTanh
{
    const float TwoSqrtTwoOverPi = 1.5957691216057308f;   // 2·√(2/π): the exponent is −2u
    const float Cubic = 0.044715f;

    /// <summary>Whether the fused kernel takes x (float32 on the CPU).</summary>
    public static bool Supports(Tensor x) => x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32;

    public static Tensor Apply(Tensor x) =>
        Supports(x) ? Function.apply(x, SavedForBackward.Needed(x)) : throw new ArgumentException("GeluTanh takes float32 CPU tensors; use Ops.GeluTanh");

    /// <summary>The autograd node: saves the input (<see cref="SavedForBackward"/>), recomputes σ(2u) in the backward pass.</summary>
    sealed class Function : torch.autograd.SingleTensorFunction<Function>
    {
        public override string Name => "GeluTanh";

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var x = ((Tensor)vars[0]).contiguous();
            var y = empty_like(x);
            Elementwise(x, y, static (xs, _, ys) => Forward(xs, ys));
            SavedForBackward.Keep(ctx, (bool)vars[1], x);
            return y;
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = SavedForBackward.Of(ctx);
            using var scope = NewDisposeScope();
            var x = saved[0];
            var g = grad.contiguous();
            var gradInput = empty_like(x);
            Elementwise(x, gradInput, (xs, offset, gs) => Backward(xs, Floats(g).Slice(offset, xs.Length), gs));
            GC.KeepAlive(g);   // its span was read inside the kernel (g may be a fresh contiguous copy)
            return saved.Release(grad, [gradInput.MoveToOuterDisposeScope(), null!]);   // no gradient for the flag
        }
    }

    delegate void Kernel(ReadOnlySpan<float> x, int offset, Span<float> output);

    /// <summary>Runs <paramref name="kernel"/> over x → output, split as <see cref="CpuKernel"/> says.</summary>
    static void Elementwise(Tensor x, Tensor output, Kernel kernel)
    {
        CpuKernel.Split(checked((int)x.numel()), minChunk: 1 << 16, alignment: Lanes, (start, length) =>
            kernel(Floats(x).Slice(start, length), start, Floats(output).Slice(start, length)));
        // the spans point into native memory these wrappers own: keep them reachable until the kernel is done
        GC.KeepAlive(x);
        GC.KeepAlive(output);
    }

    /// <summary>y = x·σ(2u) = x / (1 + e^(−2u)).</summary>
    internal static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (WideInHardware) Forward<Wide16>(x, y);
        else Forward<Pair16>(x, y);
    }

    internal static void Forward<V>(ReadOnlySpan<float> x, Span<float> y) where V : struct, ILanes16<V>
    {
        if (y.Length != x.Length) throw new ArgumentException("x and y differ in length");
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i <= x.Length - Lanes; i += Lanes)
            ForwardVector(V.Load(ref xr, (nuint)i)).Store(ref yr, (nuint)i);
        if (i < x.Length)
        {
            // the last partial vector through the same formula, so every element rounds alike
            int rest = x.Length - i;
            Span<float> pad = stackalloc float[Lanes];
            x[i..].CopyTo(pad);
            ref float padr = ref MemoryMarshal.GetReference(pad);
            ForwardVector(V.Load(ref padr, 0)).Store(ref padr, 0);
            pad[..rest].CopyTo(y[i..]);
        }
    }

    /// <summary>dx = g·(s + x·s·(1 − s)·2u′) with s = σ(2u), 2u′ = 2√(2/π)·(1 + 3·0.044715·x²).</summary>
    internal static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> grad, Span<float> gradInput)
    {
        if (WideInHardware) Backward<Wide16>(x, grad, gradInput);
        else Backward<Pair16>(x, grad, gradInput);
    }

    internal static void Backward<V>(ReadOnlySpan<float> x, ReadOnlySpan<float> grad, Span<float> gradInput) where V : struct, ILanes16<V>
    {
        if (grad.Length != x.Length || gradInput.Length != x.Length) throw new ArgumentException("x, grad and gradInput differ in length");
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float gr = ref MemoryMarshal.GetReference(grad);
        ref float outr = ref MemoryMarshal.GetReference(gradInput);
        int i = 0;
        for (; i <= x.Length - Lanes; i += Lanes)
            (V.Load(ref gr, (nuint)i) * Derivative(V.Load(ref xr, (nuint)i))).Store(ref outr, (nuint)i);
        if (i < x.Length)
        {
            int rest = x.Length - i;
            Span<float> pad = stackalloc float[2 * Lanes];
            x[i..].CopyTo(pad);
            grad[i..].CopyTo(pad[Lanes..]);
            ref float padr = ref MemoryMarshal.GetReference(pad);
            (V.Load(ref padr, Lanes) * Derivative(V.Load(ref padr, 0))).Store(ref padr, 0);
            pad[..rest].CopyTo(gradInput[i..]);
        }
    }

    /// <summary>σ(2u) = 1 / (1 + e^(−2u)), −2u = −2√(2/π)·x·(1 + 0.044715·x²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static V SigmaTwoU<V>(V x, V xSquared) where V : struct, ILanes16<V>
    {
        var minusTwoU = x * V.Create(-TwoSqrtTwoOverPi) * V.Fma(V.Create(Cubic), xSquared, V.One);
        return V.One / (V.One + Exp(minusTwoU));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static V ForwardVector<V>(V x) where V : struct, ILanes16<V> => x * SigmaTwoU(x, x * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static V Derivative<V>(V x) where V : struct, ILanes16<V>
    {
        var xSquared = x * x;
        var s = SigmaTwoU(x, xSquared);
        var twoUPrime = V.Create(TwoSqrtTwoOverPi) * V.Fma(V.Create(3 * Cubic), xSquared, V.One);
        return V.Fma(x * s * (V.One - s), twoUPrime, s);
    }
}
