using LDae.Method;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tests.Method.Baselines;

/// <summary>A few AdamW steps of a method on synthetic shapes: mean loss of the first and of the last five steps.</summary>
static class BaselineTraining
{
    public static (double First, double Last) LossBeforeAndAfter<T>(T method, int steps, double lr) where T : nn.Module, IPretrainingMethod
    {
        using var _ = method;
        var images = SyntheticShapes.Make(64, 1, 16, seed: 9);
        using var optimizer = optim.AdamW(method.parameters().Where(p => p.requires_grad), lr, weight_decay: 0);
        var losses = new List<double>();
        using var g = new Generator(4, CPU);
        method.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var batch = images.index_select(0, randperm(64, generator: g).narrow(0, 0, 32));
            optimizer.zero_grad();
            var loss = method.Loss(batch, null, g).Total;
            loss.backward();
            optimizer.step();
            (method as LDae.Training.IAfterOptimizerStep)?.AfterOptimizerStep(step + 1, steps);
            losses.Add(loss.item<float>());
        }
        return (losses.Take(5).Average(), losses.TakeLast(5).Average());
    }
}
