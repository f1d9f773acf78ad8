using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Kernels;

/// <summary>The element type the products of a training step compute in (train.precision).</summary>
public enum ComputePrecision
{
    /// <summary>Everything in float32.</summary>
    Fp32,

    /// <summary>Mixed precision: the products in bfloat16, everything else in float32 (<see cref="Autocast"/>).</summary>
    Bf16,
}

/// <summary>
/// Mixed precision with torch.autocast's semantics, applied where the model files say so. Inside
/// <see cref="Use"/>(Bf16) on this thread, the products of the tokens — linear layers on tokens, the attention
/// products, the patch embedding — take their operands in bfloat16 (the kernels accumulate in float32) and give a
/// bfloat16 result; the activation between the MLP's products (GELU) and the attention's softmax take bfloat16 and
/// compute in float32 (<see cref="GeluTanh"/>; libtorch's softmax reduces each row in float32). Everything else stays
/// float32: parameters, gradients as the optimizer sees them, AdamW and its state, the EMA, the residual stream (a
/// float32 + bfloat16 sum promotes to float32), LayerNorm and adaLN modulation, the small conditioning MLPs and the
/// loss (<see cref="Float"/> at the model's output).
/// </summary>
/// <remarks>
/// <para><b>Why by hand.</b> TorchSharp 0.107 exposes no autocast; libtorch's autocast dispatch key is reachable
/// only through mangled C++ symbols, and its cache of cast weights must be cleared by the caller. Casting at the
/// call sites keeps what runs in which type in the model files, the same on CPU and GPU.</para>
/// <para><b>Where it is on.</b> Only the training step's forward pass (<see cref="Training.Trainer"/>); the
/// backward pass follows the graph's casts (a cast's gradient is cast back, so every parameter's gradient is
/// float32). Probe features, kNN, fine-tuning and sampling run in float32.</para>
/// </remarks>
public static class Autocast
{
    [ThreadStatic] static bool bf16;

    /// <summary>Whether this thread is inside <see cref="Use"/>(Bf16).</summary>
    public static bool IsBf16 => bf16;

    /// <summary>Computes the products in <paramref name="precision"/> on this thread until disposed (nests; restores the previous setting).</summary>
    public static IDisposable Use(ComputePrecision precision)
    {
        bool previous = bf16;
        bf16 = precision == ComputePrecision.Bf16;
        return new Restore(previous);
    }

    /// <summary>The layer's map of tokens: in bfloat16 inside <see cref="Use"/>(Bf16), else the layer as it is.</summary>
    public static Tensor Linear(Linear layer, Tensor x)
    {
        if (!bf16) return layer.forward(x);
        using var scope = NewDisposeScope();
        return nn.functional.linear(Lower(x), Lower(layer.weight!), layer.bias is { } b ? Lower(b) : null).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A patch embedding (a k×k convolution of stride k, no padding): in bfloat16 inside <see cref="Use"/>(Bf16), else
    /// the layer as it is.
    /// </summary>
    public static Tensor PatchConv(Conv2d layer, Tensor x, int patch)
    {
        if (!bf16) return layer.forward(x);
        using var scope = NewDisposeScope();
        return nn.functional.conv2d(Lower(x), Lower(layer.weight!), layer.bias is { } b ? Lower(b) : null, strides: [patch, patch])
            .MoveToOuterDisposeScope();
    }

    /// <summary>A float32 tensor in float32, anything lower cast up: the model's output before the loss.</summary>
    public static Tensor Float(Tensor x) => x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);

    static Tensor Lower(Tensor x) => x.dtype == ScalarType.BFloat16 ? x : x.to_type(ScalarType.BFloat16);

    sealed class Restore(bool previous) : IDisposable
    {
        bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            bf16 = previous;
        }
    }
}
