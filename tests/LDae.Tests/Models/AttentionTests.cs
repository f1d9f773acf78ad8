using LDae.Models;
using LDae.Runtime;
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
    [InlineData(16)]                              // the quick model's token count: explicit softmax(QKᵀ/√d)·V
    [InlineData(Attention.ExplicitMaxTokens)]
    [InlineData(Attention.ExplicitMaxTokens + 1)]  // fused kernel
    public void Explicit_and_fused_attention_agree_in_value_and_gradient(int tokens)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var attention = new Attention(48, 3);
        var g = new Generator(2, CPU);
        var x = randn([4, tokens, 48], generator: g);
        var upstream = randn([4, tokens, 48], generator: g);

        var a = x.detach().requires_grad_(true);
        var y = attention.forward(a);
        y.backward([upstream]);
        var b = x.detach().requires_grad_(true);
        var reference = Fused(attention, b, heads: 3);
        reference.backward([upstream]);

        Assert.True((y - reference).abs().max().item<float>() < 1e-5);
        Assert.True((a.grad! - b.grad!).abs().max().item<float>() < 1e-5);
    }
}
