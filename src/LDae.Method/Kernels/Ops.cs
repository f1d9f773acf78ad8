using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Kernels;

/// <summary>
/// The one dispatch point of each hand-written CPU kernel: the model files call these three functions and never
/// name a kernel. Each computes exactly its libtorch counterpart (tests hold value and gradients against it); on
/// float32 CPU tensors of a supported shape it runs a fused C# kernel, everywhere else (GPU, other dtypes and
/// shapes) libtorch's own ops.
/// </summary>
public static class Ops
{
    /// <summary>
    /// Sequences up to this many tokens run softmax(QKᵀ/√d)·V explicitly on the CPU (<see cref="SmallAttention"/>
    /// when the length and head size are multiples of 16, else two batched matmuls and a softmax); longer ones, and
    /// every other device, use libtorch's fused <c>scaled_dot_product_attention</c>, which is slower than the
    /// explicit form below 64 tokens and faster from 256 tokens on (figures: docs/performance.md).
    /// </summary>
    public const int ExplicitAttentionMaxTokens = 64;

    static readonly Scalar One = 1.0;

    /// <summary>
    /// On this thread until disposed, the kernels free the tensors they saved for the backward pass as soon as that pass
    /// has used them, so each graph they build can be differentiated once (as libtorch's own nodes without
    /// <c>retain_graph</c>). A training step (<see cref="Training.DataParallel"/>) runs its forward and backward pass
    /// inside; without it the saved tensors live as long as the graph (<see cref="SavedForBackward"/>).
    /// </summary>
    public static IDisposable DifferentiateOnce() => SavedForBackward.DifferentiateOnce();

    /// <summary>DiT's tanh-approximated GELU (<see cref="Kernels.GeluTanh"/>).</summary>
    public static Tensor GeluTanh(Tensor x) =>
        Kernels.GeluTanh.Supports(x) ? Kernels.GeluTanh.Apply(x) : nn.functional.gelu(x, GELU.Approximate.tanh);

    /// <summary>
    /// Multi-head softmax(QKᵀ/√d)·V. qkv: N × L × 3·width as the fused qkv projection writes it (q, k, v, each with
    /// the heads side by side) → N × L × width with the heads side by side, as the output projection reads it.
    /// </summary>
    public static Tensor Attention(Tensor qkv, int heads)
    {
        if (SmallAttention.Supports(qkv, heads)) return SmallAttention.Apply(qkv, heads);
        using var scope = NewDisposeScope();
        long n = qkv.shape[0], length = qkv.shape[1], width = qkv.shape[2] / 3;
        var parts = qkv.reshape(n, length, 3, heads, width / heads).permute(2, 0, 3, 1, 4).unbind(0);   // q, k, v: N×heads×L×head_dim
        var attended = length <= ExplicitAttentionMaxTokens && qkv.device_type == DeviceType.CPU
            ? ExplicitAttention(parts[0], parts[1], parts[2])
            : nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
        return attended.transpose(1, 2).reshape(n, length, width).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// adaLN's modulated LayerNorm: LayerNorm(x) without affine, then x̂·(1 + scale) + shift
    /// (<see cref="AdaLnModulate"/>). x: N × L × width; shift, scale: N × 1 × width.
    /// </summary>
    public static Tensor NormModulate(Tensor x, Tensor shift, Tensor scale, double eps)
    {
        if (AdaLnModulate.Supports(x, shift, scale)) return AdaLnModulate.Apply(x, shift, scale, eps);
        using var scope = NewDisposeScope();
        var normalized = nn.functional.layer_norm(x, [x.shape[^1]], eps: eps);
        return addcmul(shift, normalized, scale.add(One), One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// softmax(q·kᵀ/√d)·v; q, k, v: N×heads×L×head_dim. In bfloat16 (<see cref="Autocast"/>) the products take and
    /// give bfloat16 and libtorch's softmax reduces each bfloat16 row (its max and sum) in float32.
    /// </summary>
    static Tensor ExplicitAttention(Tensor q, Tensor k, Tensor v)
    {
        using var scale = (Scalar)(1.0 / Math.Sqrt(q.shape[^1]));
        // in place on the scores: matmul's backward needs its inputs, not its output
        var scores = q.matmul(k.transpose(-2, -1)).mul_(scale);
        return scores.softmax(-1).matmul(v);
    }
}
