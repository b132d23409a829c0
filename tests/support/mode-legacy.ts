process.env.DECORATORS = 'legacy';
