// The umbrella module: importing StatPhysSGD gives the whole toolkit.
@_exported import DMFT
@_exported import GaussianIntegrals
@_exported import ODEIntegration
@_exported import OnlineSimulation
@_exported import OnlineTheory
@_exported import Plotting
@_exported import Randomness
@_exported import Reporting
@_exported import Scenarios
@_exported import Statistics
@_exported import Sweeps
