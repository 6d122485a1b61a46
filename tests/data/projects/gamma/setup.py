from setuptools import setup

setup(name="gamma-legacy", version="0.3", py_modules=["gamma"])
