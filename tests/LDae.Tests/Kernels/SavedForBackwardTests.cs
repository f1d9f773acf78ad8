using LDae.Kernels;
using LDae.Models;
using LDae.Runtime;
using LDae.Tests.Method;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

/// <summary>
/// What the custom kernels keep for their backward pass: inside <see cref="Ops.DifferentiateOnce"/> it is freed as the
/// backward pass goes (the training step's memory), with the same gradients; outside it the graph can be
/// differentiated again (retain_graph).
/// </summary>
public class SavedForBackwardTests
{
    public SavedForBackwardTests() => TorchRuntime.EnsureLoaded(threads: 1);

    const int Images = 32, Tokens = 64, Width = 96, Heads = 3;

    /// <summary>Forward + backward of one adaLN-Zero block (all three kernels); returns the parameter gradients and how
    /// much the native heap's bytes in use grew from before the forward pass to right after the backward pass, while
    /// the step's tensors are still in scope.</summary>
    static (Tensor[] Grads, long Growth) Step(bool differentiateOnce)
    {
        using var init = new Generator(5, CPU);
        using var block = new AdaLnZeroBlock(Width, Heads, 4 * Width, Width);
        foreach (var p in block.parameters()) using (no_grad()) p.copy_(randn(p.shape, generator: init) * 0.05);
        var x = randn([Images, Tokens, Width], generator: init).DetachFromDisposeScope();
        var c = randn([Images, Width], generator: init).DetachFromDisposeScope();
        long before = NativeHeap.Now()?.InUseBytes ?? 0, after;
        using (NewDisposeScope())
        {
            using (differentiateOnce ? Ops.DifferentiateOnce() : null)
            {
                var y = block.forward(x, c);
                y.square().mean().backward();
            }
            after = NativeHeap.Now()?.InUseBytes ?? 0;
        }
        var grads = block.parameters().Select(p => p.grad!.clone().DetachFromDisposeScope()).ToArray();
        x.Dispose();
        c.Dispose();
        return (grads, after - before);
    }

    [Fact]
    public void Differentiating_once_frees_the_saved_activations_and_keeps_the_gradients()
    {
        var (kept, _) = Step(differentiateOnce: false);
        var (freed, growth) = Step(differentiateOnce: true);
        Assert.Equal(kept.Length, freed.Length);
        for (int i = 0; i < kept.Length; i++) Assert.True(TensorAssert.Identical(kept[i], freed[i]), $"gradient {i} differs");
        if (NativeHeap.Now() is null) return;   // not glibc: the memory half cannot be measured
        // Saved by the kernels: two adaLN inputs, qkv and the attention probabilities, the MLP's hidden pre-activation
        // (7.9 MB). What may remain after the backward pass: the output, the parameter gradients and the last returned
        // input gradient (~2.3 MB together).
        long saved = 4L * Images * Tokens * (2 * Width + 3 * Width + Heads * Tokens + 4 * Width);
        Assert.True(growth < saved / 2, $"{growth >> 10} KB still in use after the backward pass; the kernels saved {saved >> 10} KB");
    }

    [Fact]
    public void Outside_a_training_step_the_graph_can_be_differentiated_twice()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(2, CPU);
        var x = randn([8, 16, 32], generator: g).requires_grad_(true);
        var shift = randn([8, 1, 32], generator: g).requires_grad_(true);
        var scale = randn([8, 1, 32], generator: g).requires_grad_(true);
        var y = Ops.GeluTanh(Ops.NormModulate(x, shift, scale, 1e-6));
        var upstream = randn(y.shape, generator: g);
        y.backward([upstream], retain_graph: true);
        var first = x.grad!.clone();
        y.backward([upstream]);
        Assert.True(TensorAssert.Identical(x.grad!, 2 * first));
    }
}
