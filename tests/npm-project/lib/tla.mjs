await Promise.resolve(); export default 'tla';
