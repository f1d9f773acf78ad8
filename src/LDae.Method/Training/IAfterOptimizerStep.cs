namespace LDae.Training;

/// <summary>
/// A model with state that follows its trained weights outside the optimizer (MoCo v3's momentum encoder): the
/// <see cref="Trainer"/> calls it after every optimizer step, on one thread, so data-parallel shards never race on it.
/// </summary>
public interface IAfterOptimizerStep
{
    /// <param name="step">Steps taken so far (1 after the first).</param>
    /// <param name="totalSteps">Steps of the whole run.</param>
    void AfterOptimizerStep(long step, long totalSteps);
}
