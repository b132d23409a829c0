process.env.DECORATORS = 'standard';
