using LDae.Kernels;
using LDae.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

/// <summary>
/// The dispatch points: where a fused kernel runs (float32 CPU) and where libtorch's ops run instead (float64 here,
/// standing in for the GPU and unsupported shapes), both compute the same function.
/// </summary>
public class OpsTests
{
    public OpsTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static double MaxDiff(Tensor a, Tensor b) => (a.to(float64) - b.to(float64)).abs().max().item<double>();

    [Fact]
    public void Fused_and_libtorch_paths_agree_for_each_op()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3, CPU);
        var x = randn([2, 16, 32], generator: g);
        var shift = randn([2, 1, 32], generator: g);
        var scale = randn([2, 1, 32], generator: g);
        var qkv = randn([2, 16, 3 * 32], generator: g);

        Assert.True(AdaLnModulate.Supports(x) && SmallAttention.Supports(qkv, heads: 2) && GeluTanh.Supports(x));
        Assert.True(MaxDiff(Ops.NormModulate(x, shift, scale, 1e-6), Ops.NormModulate(x.to(float64), shift.to(float64), scale.to(float64), 1e-6)) < 1e-5);
        Assert.True(MaxDiff(Ops.Attention(qkv, heads: 2), Ops.Attention(qkv.to(float64), heads: 2)) < 1e-5);
        Assert.True(MaxDiff(Ops.GeluTanh(x), Ops.GeluTanh(x.to(float64))) < 1e-5);
    }

    [Fact]
    public void Unsupported_widths_and_lengths_take_libtorchs_ops()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5, CPU);
        var x = randn([2, 17, 40], generator: g);                 // width 40: not a multiple of 16
        var shift = randn([2, 1, 40], generator: g);
        var scale = randn([2, 1, 40], generator: g);
        Assert.False(AdaLnModulate.Supports(x));
        var expected = nn.functional.layer_norm(x, [40], eps: 1e-6) * (scale + 1) + shift;
        Assert.True(MaxDiff(Ops.NormModulate(x, shift, scale, 1e-6), expected) < 1e-5);

        var qkv = randn([2, 17, 3 * 40], generator: g);           // 17 tokens: the explicit form
        Assert.False(SmallAttention.Supports(qkv, heads: 2));
        var parts = qkv.reshape(2, 17, 3, 2, 20).permute(2, 0, 3, 1, 4).unbind(0);
        var reference = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]).transpose(1, 2).reshape(2, 17, 40);
        Assert.True(MaxDiff(Ops.Attention(qkv, heads: 2), reference) < 1e-5);
    }
}
