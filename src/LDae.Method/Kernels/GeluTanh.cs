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
/// error ≤ 5.2e-7 forward and 2.0e-6 backward (libtorch: 4.3e-7, 1.0e-6). bfloat16 tensors (<see cref="Autocast"/>) are
/// widened on load, computed in float32 and rounded to nearest-even on store, as libtorch's bfloat16 kernel does, with
/// half the memory traffic of float32. Other devices and dtypes use libtorch's <c>gelu(approximate: tanh)</c>
/// (<see cref="Ops.GeluTanh"/> dispatches).
/// </summary>
public static class GeluTanh
{
    const float TwoSqrtTwoOverPi = 1.5957691216057308f;   // 2·√(2/π): the exponent is −2u
    const float Cubic = 0.044715f;

    /// <summary>Whether the fused kernel takes x (float32 or bfloat16 on the CPU; bfloat16 is computed in float32).</summary>
    public static bool Supports(Tensor x) => x.device_type == DeviceType.CPU && x.dtype is ScalarType.Float32 or ScalarType.BFloat16;

    public static Tensor Apply(Tensor x) =>
        Supports(x) ? Function.apply(x, SavedForBackward.Needed(x)) : throw new ArgumentException("GeluTanh takes float32 or bfloat16 CPU tensors; use Ops.GeluTanh");

    /// <summary>The autograd node: saves the input (<see cref="SavedForBackward"/>), recomputes σ(2u) in the backward pass.</summary>
    sealed class Function : torch.autograd.SingleTensorFunction<Function>
    {
        public override string Name => "GeluTanh";

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var x = ((Tensor)vars[0]).contiguous();
            var y = empty_like(x);
            Split(x, (start, length) =>
            {
                if (x.dtype == ScalarType.Float32) Forward<Fp32Elements, float>(Floats(x).Slice(start, length), Floats(y).Slice(start, length));
                else Forward<Bf16Elements, ushort>(Bf16s(x).Slice(start, length), Bf16s(y).Slice(start, length));
            });
            // the spans point into native memory these wrappers own: keep them reachable until the kernel is done
            GC.KeepAlive(x);
            GC.KeepAlive(y);
            SavedForBackward.Keep(ctx, (bool)vars[1], x);
            return y;
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = SavedForBackward.Of(ctx);
            using var scope = NewDisposeScope();
            var x = saved[0];
            var g = grad.to_type(x.dtype).contiguous();   // the gradient of a bfloat16 output is bfloat16
            var gradInput = empty_like(x);
            Split(x, (start, length) =>
            {
                if (x.dtype == ScalarType.Float32)
                    Backward<Fp32Elements, float>(Floats(x).Slice(start, length), Floats(g).Slice(start, length), Floats(gradInput).Slice(start, length));
                else
                    Backward<Bf16Elements, ushort>(Bf16s(x).Slice(start, length), Bf16s(g).Slice(start, length), Bf16s(gradInput).Slice(start, length));
            });
            GC.KeepAlive(x);
            GC.KeepAlive(g);   // g may be a fresh contiguous copy
            GC.KeepAlive(gradInput);
            return saved.Release(grad, [gradInput.MoveToOuterDisposeScope(), null!]);   // no gradient for the flag
        }
    }

    /// <summary>Runs body(start, length) over x's elements, split as <see cref="CpuKernel"/> says.</summary>
    static void Split(Tensor x, Action<int, int> body) =>
        CpuKernel.Split(checked((int)x.numel()), minChunk: 1 << 16, alignment: Lanes, body);

    /// <summary>y = x·σ(2u) = x / (1 + e^(−2u)).</summary>
    internal static void Forward<V>(ReadOnlySpan<float> x, Span<float> y) where V : struct, ILanes16<V> => Forward<V, Fp32Elements, float>(x, y);

    internal static void Forward<S, T>(ReadOnlySpan<T> x, Span<T> y) where S : IElements<T> where T : unmanaged
    {
        if (WideInHardware) Forward<Wide16, S, T>(x, y);
        else Forward<Pair16, S, T>(x, y);
    }

    internal static void Forward<V, S, T>(ReadOnlySpan<T> x, Span<T> y) where V : struct, ILanes16<V> where S : IElements<T> where T : unmanaged
    {
        if (y.Length != x.Length) throw new ArgumentException("x and y differ in length");
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i <= x.Length - Lanes; i += Lanes)
            S.Store(ForwardVector(S.Load<V>(ref xr, (nuint)i)), ref yr, (nuint)i);
        if (i < x.Length)
        {
            // the last partial vector through the same formula, so every element rounds alike
            int rest = x.Length - i;
            Span<T> pad = stackalloc T[Lanes];
            x[i..].CopyTo(pad);
            ref T padr = ref MemoryMarshal.GetReference(pad);
            S.Store(ForwardVector(S.Load<V>(ref padr, 0)), ref padr, 0);
            pad[..rest].CopyTo(y[i..]);
        }
    }

    /// <summary>dx = g·(s + x·s·(1 − s)·2u′) with s = σ(2u), 2u′ = 2√(2/π)·(1 + 3·0.044715·x²).</summary>
    internal static void Backward<V>(ReadOnlySpan<float> x, ReadOnlySpan<float> grad, Span<float> gradInput) where V : struct, ILanes16<V> =>
        Backward<V, Fp32Elements, float>(x, grad, gradInput);

    internal static void Backward<S, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> grad, Span<T> gradInput) where S : IElements<T> where T : unmanaged
    {
        if (WideInHardware) Backward<Wide16, S, T>(x, grad, gradInput);
        else Backward<Pair16, S, T>(x, grad, gradInput);
    }

    internal static void Backward<V, S, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> grad, Span<T> gradInput)
        where V : struct, ILanes16<V> where S : IElements<T> where T : unmanaged
    {
        if (grad.Length != x.Length || gradInput.Length != x.Length) throw new ArgumentException("x, grad and gradInput differ in length");
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T gr = ref MemoryMarshal.GetReference(grad);
        ref T outr = ref MemoryMarshal.GetReference(gradInput);
        int i = 0;
        for (; i <= x.Length - Lanes; i += Lanes)
            S.Store(S.Load<V>(ref gr, (nuint)i) * Derivative(S.Load<V>(ref xr, (nuint)i)), ref outr, (nuint)i);
        if (i < x.Length)
        {
            int rest = x.Length - i;
            Span<T> pad = stackalloc T[2 * Lanes];
            x[i..].CopyTo(pad);
            grad[i..].CopyTo(pad[Lanes..]);
            ref T padr = ref MemoryMarshal.GetReference(pad);
            S.Store(S.Load<V>(ref padr, Lanes) * Derivative(S.Load<V>(ref padr, 0)), ref padr, 0);
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
