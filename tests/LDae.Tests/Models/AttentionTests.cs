using LDae.Kernels;
using LDae.Models;
using LDae.Runtime;
using LDae.Tests.Method;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Models;

public class AttentionTests
{
    public AttentionTests() => TorchRuntime.EnsureLoaded(threads: 1);

    /// <summary>The same attention through libtorch's fused kernel, from the module's own weights.</summary>
    static Tensor Fused(Attention attention, Tensor x, int heads)
    {
        var p = attention.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
        long n = x.shape[0], length = x.shape[1], width = x.shape[2];
        var qkv = nn.functional.linear(x, p["qkv.weight"], p["qkv.bias"])
            .reshape(n, length, 3, heads, width / heads).permute(2, 0, 3, 1, 4).unbind(0);
        var attended = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]);
        return nn.functional.linear(attended.transpose(1, 2).reshape(n, length, width), p["proj.weight"], p["proj.bias"]);
    }

    [Theory]
    [InlineData(16, 48, 3)]                                // SmallAttention, head size 16
    [InlineData(16, 96, 3)]                                // SmallAttention at the quick model's shape
    [InlineData(Ops.ExplicitAttentionMaxTokens, 192, 3)]   // SmallAttention, the cpu profile's 64 tokens, head size 64
    [InlineData(17, 48, 3)]                                // not a multiple of 16: libtorch's explicit form
    [InlineData(16, 72, 3)]                                // head size 24: libtorch's explicit form
    [InlineData(Ops.ExplicitAttentionMaxTokens + 1, 48, 3)] // libtorch's fused kernel
    public void Every_path_agrees_with_the_fused_reference_in_value_and_gradient(int tokens, int width, int heads)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var attention = new Attention(width, heads);
        var g = new Generator(2, CPU);
        var x = randn([4, tokens, width], generator: g);
        var upstream = randn([4, tokens, width], generator: g);

        var a = x.detach().requires_grad_(true);
        var y = attention.forward(a);
        y.backward([upstream]);
        var weightGrads = attention.parameters().Select(p => p.grad!.clone()).ToList();
        attention.zero_grad();
        var b = x.detach().requires_grad_(true);
        var reference = Fused(attention, b, heads);
        reference.backward([upstream]);

        Assert.True((y - reference).abs().max().item<float>() < 1e-5);
        Assert.True((a.grad! - b.grad!).abs().max().item<float>() < 1e-5);
        foreach (var (mine, theirs) in weightGrads.Zip(attention.parameters().Select(p => p.grad!)))
            Assert.True((mine - theirs).abs().max().item<float>() < 1e-4);
    }
}
