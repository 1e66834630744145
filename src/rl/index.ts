/** RLHF: pure maths, the reward model and its trainer, PPO, rollouts and a simulated rater. */
export * from './config';
export * from './math';
export * from './step';
export * from './rollout';
export * from './reward';
export * from './ppo';
export * from './rater';
