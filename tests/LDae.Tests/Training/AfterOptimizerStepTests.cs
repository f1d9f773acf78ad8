using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

public sealed class AfterOptimizerStepTests : IDisposable
{
    readonly TempDir dir = new();
    public void Dispose() => dir.Dispose();

    /// <summary>A linear model that records each call and the weight it saw (already updated by that step's optimizer).</summary>
    sealed class Recording : nn.Module<Tensor, Tensor>, IAfterOptimizerStep
    {
        readonly Linear fc = nn.Linear(8, 4);
        public Recording() : base(nameof(Recording)) => RegisterComponents();
        public override Tensor forward(Tensor x) => fc.forward(x);
        public List<(long Step, long Total, float Weight)> Calls { get; } = [];
        public void AfterOptimizerStep(long step, long totalSteps) => Calls.Add((step, totalSteps, fc.weight![0, 0].item<float>()));
        public float Weight => fc.weight![0, 0].item<float>();
    }

    [Fact]
    public void The_trainer_calls_the_model_after_every_optimizer_step_once_with_the_step_count()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var (x, y) = Synthetic.Regression();
        Recording model;
        using (Seeding.Seed(1)) model = new Recording();
        var options = new TrainOptions { TotalSteps = 6, BatchSize = 32, BaseLr = 1e-2, LrScaling = LrScaling.None, Seed = 3, Replicas = 2, LogEverySteps = 3 };
        float initial = model.Weight;
        using var trainer = new Trainer(options, dir.Sub("run"));
        trainer.Run(model, new TensorBatchSource(x, y, 32, seed: 3), (batch, _) => new StepLoss((model.forward(batch.X) - batch.Y!).pow(2).mean()));
        Assert.Equal([1L, 2, 3, 4, 5, 6], model.Calls.Select(c => c.Step));      // once per step, also with two replicas
        Assert.All(model.Calls, c => Assert.Equal(6, c.Total));
        Assert.NotEqual(initial, model.Calls[0].Weight);                         // after the optimizer moved the weights
    }
}
